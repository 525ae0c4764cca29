// SearchFindings as a dashboard calls it: GET /v1/findings:search through the real mgi-gateway,
// in front of the real mgi-catalog and mgi-assessment (seeded with data/profiles), on free
// loopback ports. The Guatemala findings on trafficking with their snippets; filters and the
// language fallback; a profile imported through the gateway is found by the next search (the
// gateway's shared cache is on, with a long TTL); bad input is a 400.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>

#include "harness.h"

namespace mgi {
namespace {

using mgi::testing::FreePort;
using mgi::testing::StartService;
using nlohmann::json;
using std::chrono::milliseconds;

const std::vector<std::string> kEnv = {"MGI_AUTH_DISABLED=true"};

struct Reply {
  int status = 0;
  std::string head;  // lower case
  std::string body;
};

// One HTTP/1.1 request on a fresh loopback connection ("Connection: close").
Reply Http(int port, const std::string& method, const std::string& target,
           const std::string& body = "") {
  Reply r;
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (fd < 0 || ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    if (fd >= 0) ::close(fd);
    return r;
  }
  timeval tv{20, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  std::string req = method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n";
  if (!body.empty()) {
    req += "Content-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
           "\r\n";
  }
  req += "\r\n" + body;
  std::string out;
  if (::send(fd, req.data(), req.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(req.size())) {
    char buf[8192];
    for (ssize_t n; (n = ::recv(fd, buf, sizeof buf, 0)) > 0;) out.append(buf, n);
  }
  ::close(fd);
  size_t end = out.find("\r\n\r\n");
  if (end == std::string::npos || out.size() < 12) return r;
  r.status = std::stoi(out.substr(9, 3));
  r.head = out.substr(0, end);
  for (char& c : r.head) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  std::string raw = out.substr(end + 4);
  if (r.head.find("transfer-encoding: chunked") == std::string::npos) {
    r.body = raw;
    return r;
  }
  for (size_t p = 0; p < raw.size();) {
    size_t eol = raw.find("\r\n", p);
    if (eol == std::string::npos) break;
    size_t n = std::stoul(raw.substr(p, eol - p), nullptr, 16);
    if (n == 0) break;
    r.body += raw.substr(eol + 2, n);
    p = eol + 2 + n + 2;
  }
  return r;
}

// The code points of `text` from `start`, `length` of them.
std::string CodePoints(const std::string& text, int start, int length) {
  std::string out;
  int cp = 0;
  for (size_t i = 0; i < text.size();) {
    unsigned char c = text[i];
    size_t n = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
    if (cp >= start && cp < start + length) out += text.substr(i, n);
    i += n;
    ++cp;
  }
  return out;
}

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

class SearchIntegrationTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto catalog = StartService("mgi-catalog", {}, kEnv);
    ASSERT_TRUE(catalog.has_value());
    catalog_ = new mgi::testing::Service(std::move(*catalog));
    std::string db = mgi::testing::TempDir("search-integration") + "/a.db";
    auto assessment = StartService("mgi-assessment",
                                   {"--db=" + db, "--catalog-addr=" + catalog_->address,
                                    "--seed-dir=" + mgi::testing::DataDir() + "/profiles"},
                                   kEnv);
    ASSERT_TRUE(assessment.has_value());
    assessment_ = new mgi::testing::Service(std::move(*assessment));
    port_ = FreePort();
    gateway_ = mgi::testing::Process::Start(
                   mgi::testing::BinaryPath("mgi-gateway"),
                   {"--port=" + std::to_string(port_), "--metrics-port=-1",
                    "--catalog-addr=" + catalog_->address,
                    "--assessment-addr=" + assessment_->address, "--report-addr=127.0.0.1:1",
                    "--cache-ttl=60s"},
                   kEnv)
                   .release();
    ASSERT_TRUE(mgi::testing::WaitForHttp(port_, "/healthz", milliseconds(20000)))
        << gateway_->Log();
    // Seeding runs beside serving: wait for the seeded profile, with a deadline.
    ASSERT_TRUE(mgi::testing::WaitForHttp(port_, "/v1/profiles/gtm-2022", milliseconds(30000)))
        << assessment_->process->Log();
  }
  static void TearDownTestSuite() {
    delete gateway_;
    delete assessment_;
    delete catalog_;
  }
  static json Search(const std::string& params, int expect_status = 200) {
    Reply r = Http(port_, "GET", "/v1/findings:search?" + params);
    EXPECT_EQ(r.status, expect_status) << params << ": " << r.body;
    return json::parse(r.body, nullptr, false);
  }

  static inline mgi::testing::Service* catalog_ = nullptr;
  static inline mgi::testing::Service* assessment_ = nullptr;
  static inline mgi::testing::Process* gateway_ = nullptr;
  static inline int port_ = 0;
};

TEST_F(SearchIntegrationTest, TraffickingGivesTheGuatemalaFindingsWithSnippets) {
  Reply r = Http(port_, "GET", "/v1/findings:search?query=trafficking");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_NE(r.head.find("cache-control: no-store"), std::string::npos) << r.head;
  json body = json::parse(r.body);
  ASSERT_EQ(body["hits"].size(), 2u) << body.dump(2);
  EXPECT_EQ(body["totalSize"], 2);
  std::vector<std::string> ids;
  for (const auto& hit : body["hits"]) {
    ids.push_back(hit["findingId"]);
    EXPECT_EQ(hit["profile"], "profiles/gtm-2022");
    EXPECT_EQ(hit["country"], "countries/GTM");
    EXPECT_EQ(hit["countryDisplayName"], "Guatemala");
    EXPECT_EQ(hit["domain"], "domains/safe-orderly-regular-migration");
    EXPECT_EQ(hit["group"], "FINDING_GROUP_WELL_DEVELOPED");
    EXPECT_EQ(hit["level"], "LEVEL_NATIONAL");
    EXPECT_EQ(hit["edition"], 2);
    EXPECT_EQ(hit["language"], "en");
    EXPECT_FALSE(hit.value("languageFallback", false));
    EXPECT_NE(hit["profileTitle"].get<std::string>().find("Guatemala"), std::string::npos);
    const auto& snippet = hit["snippet"];
    ASSERT_GE(snippet["highlights"].size(), 1u) << hit.dump(2);
    for (const auto& h : snippet["highlights"]) {
      EXPECT_EQ(Lower(CodePoints(snippet["text"], h.value("start", 0), h["length"])),
                "trafficking");
    }
    // The snippet is plain text, a piece of the finding's text.
    EXPECT_NE(hit["text"].get<std::string>().find(snippet["text"].get<std::string>()),
              std::string::npos);
  }
  EXPECT_EQ(ids, (std::vector<std::string>{"so-w1", "so-w2"}));  // the profile's order
}

TEST_F(SearchIntegrationTest, FiltersPhrasesPrefixesAndTheLanguageFallback) {
  EXPECT_EQ(Search("query=trafficking&filter=domain%20%3D%20%22migrants-rights%22")["hits"].size(),
            0u);
  EXPECT_EQ(Search("query=%22trafficking%20in%20persons%22")["hits"].size(), 2u);
  EXPECT_GE(Search("query=traff*&filter=country%20%3D%20%22GTM%22%20AND%20publication_year%20%3D%202022")
                ["hits"]
                    .size(),
            2u);
  EXPECT_EQ(Search("query=trafficking&filter=publication_year%20%3D%202019")["hits"].size(), 0u);
  // No finding has French text: shown in English, and said so.
  json fr = Search("query=TRAFFICKING&language=fr");
  ASSERT_EQ(fr["hits"].size(), 2u);
  EXPECT_EQ(fr["language"], "fr");
  EXPECT_EQ(fr["hits"][0]["language"], "en");
  EXPECT_TRUE(fr["hits"][0]["languageFallback"]);
  // The domain view: no query, one domain, every finding of it.
  json domain = Search("filter=domain%20%3D%20%22partnerships%22&page_size=100");
  EXPECT_EQ(domain["hits"].size(), 4u);
}

TEST_F(SearchIntegrationTest, AProfileImportedThroughTheGatewayIsFoundByTheNextSearch) {
  EXPECT_EQ(Search("query=ombudsperson")["hits"].size(), 0u);
  std::ifstream in(mgi::testing::DataDir() + "/profiles/gtm-2022.json");
  std::stringstream buf;
  buf << in.rdbuf();
  json doc = json::parse(buf.str());
  json& p = doc["profiles"][0];
  p["name"] = "profiles/gtm-2031";
  p["edition"] = 3;
  p["publicationMonth"] = {{"year", 2031}, {"month", 1}};
  p.erase("publication");
  p["domains"][0]["wellDeveloped"][0]["text"]["en"] =
      "A Migrants' Ombudsperson receives complaints in every department.";
  Reply r = Http(port_, "POST", "/v1/profiles:import", doc.dump());
  ASSERT_EQ(r.status, 200) << r.body;
  json found = Search("query=ombudsperson");
  ASSERT_EQ(found["hits"].size(), 1u) << found.dump(2);
  EXPECT_EQ(found["hits"][0]["profile"], "profiles/gtm-2031");
  EXPECT_EQ(found["hits"][0]["edition"], 3);
}

TEST_F(SearchIntegrationTest, BadInputIsA400NamingTheField) {
  json bad = Search("query=x&filter=rank%20%3D%201", 400);
  EXPECT_NE(bad.dump().find("filter"), std::string::npos);
  Search("query=x&page_size=-1", 400);
  Search("query=x&page_token=garbage", 400);
  // Only symbols: nothing to search, no error.
  EXPECT_EQ(Search("query=%F0%9F%99%82")["hits"].size(), 0u);
}

}  // namespace
}  // namespace mgi

// The transcoding conformance table, in the style of Envoy's transcoder tests: for each rule of
// google/api/http.proto the gateway claims (path templates, verbs, body forms, response_body,
// additional_bindings, query mapping with maps and well-known types, percent-decoding), an HTTP
// request, the gRPC request message the backend must receive (text format), the backend's reply,
// and the HTTP answer expected. The contract is TEST-ONLY (testdata/conformance.proto); the backend
// is an in-process one at the gateway's Backends seam, so each row runs the whole Gateway
// (routes, request building, dispatch, response writing) without processes.
#include <future>
#include <optional>

#include <google/protobuf/text_format.h>
#include <google/protobuf/util/message_differencer.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "services/common/metrics.h"
#include "conformance.pb.h"
#include "gateway/gateway.h"

namespace mgi::gateway {
namespace {

namespace pb = google::protobuf;

struct Row {
  std::string name;
  std::string method;
  std::string target;
  std::string body;
  std::map<std::string, std::string> headers;  // lower-case names
  int status = 200;
  std::string rpc;      // the RPC the backend must see ("" : none)
  std::string request;  // its request, in text format
  std::string reply;    // the backend's reply in text format ("" : echo / empty)
  std::string response;                               // expected body ("" : not checked)
  std::map<std::string, std::string> want_headers;    // expected response headers
};

void PrintTo(const Row& row, std::ostream* os) { *os << row.method << " " << row.target; }

const pb::MethodDescriptor* Method(const std::string& rpc_path) {
  std::string full = rpc_path.substr(1);
  full[full.find('/')] = '.';
  return pb::DescriptorPool::generated_pool()->FindMethodByName(full);
}

std::unique_ptr<pb::Message> New(const pb::Descriptor* d) {
  return std::unique_ptr<pb::Message>(
      pb::MessageFactory::generated_factory()->GetPrototype(d)->New());
}

// The tiny backend: remembers the call, answers the row's reply (or echoes when the RPC returns
// its request type).
class TableBackend : public Backends {
 public:
  std::optional<BackendCall> last;
  std::string reply_text;
  void Call(BackendCall call, std::function<void(BackendReply)> done) override {
    const pb::MethodDescriptor* m = Method(call.rpc_path);
    auto out = New(m->output_type());
    if (reply_text.empty() && m->input_type() == m->output_type()) {
      out->ParseFromString(call.request);
    } else {
      EXPECT_TRUE(pb::TextFormat::ParseFromString(reply_text, out.get())) << reply_text;
    }
    BackendReply reply;
    out->SerializeToString(&reply.response);
    last = std::move(call);
    done(std::move(reply));
  }
  void CheckHealth(std::chrono::milliseconds,
                   std::function<void(std::vector<BackendHealth>)> done) override {
    done({});
  }
};

class ConformanceTest : public ::testing::TestWithParam<Row> {
 protected:
  static void SetUpTestSuite() {
    backend_ = new TableBackend();
    metrics_ = new MetricsRegistry();
    auto routes = RouteTable::Build(
        {mgi::gwconf::v1::Book::descriptor()->file()->FindServiceByName("ConformanceService")});
    ASSERT_TRUE(routes.ok()) << routes.status();
    GatewayOptions options;
    options.cache_ttl = std::chrono::milliseconds(0);
    gateway_ = new Gateway(options, *std::move(routes), backend_, metrics_, "{}");
  }
  static void TearDownTestSuite() {
    delete gateway_;
    delete metrics_;
    delete backend_;
  }
  static HttpResponse Send(const Row& row) {
    HttpRequest req;
    req.method = row.method;
    req.target = row.target;
    req.body = row.body;
    req.headers = row.headers;
    req.headers["host"] = "x";
    if (!row.body.empty() && !req.headers.count("content-type")) {
      req.headers["content-type"] = "application/json";
    }
    std::promise<HttpResponse> answer;
    gateway_->Handle(std::move(req), [&](HttpResponse r) { answer.set_value(std::move(r)); });
    return answer.get_future().get();
  }
  static TableBackend* backend_;
  static MetricsRegistry* metrics_;
  static Gateway* gateway_;
};
TableBackend* ConformanceTest::backend_ = nullptr;
MetricsRegistry* ConformanceTest::metrics_ = nullptr;
Gateway* ConformanceTest::gateway_ = nullptr;

TEST_P(ConformanceTest, Row) {
  const Row& row = GetParam();
  backend_->last.reset();
  backend_->reply_text = row.reply;
  HttpResponse r = Send(row);
  EXPECT_EQ(r.status, row.status) << r.Body();
  if (row.rpc.empty()) {
    EXPECT_FALSE(backend_->last.has_value()) << "unexpected call " << backend_->last->rpc_path;
  } else {
    ASSERT_TRUE(backend_->last.has_value()) << "no backend call";
    const pb::MethodDescriptor* m = Method(backend_->last->rpc_path);
    EXPECT_EQ(m->name(), row.rpc);
    auto got = New(m->input_type());
    auto want = New(m->input_type());
    ASSERT_TRUE(got->ParseFromString(backend_->last->request));
    ASSERT_TRUE(pb::TextFormat::ParseFromString(row.request, want.get())) << row.request;
    EXPECT_TRUE(pb::util::MessageDifferencer::Equals(*got, *want))
        << "got:\n" << got->DebugString() << "want:\n" << want->DebugString();
  }
  if (!row.response.empty()) {
    auto want = nlohmann::json::parse(row.response, nullptr, false);
    if (!want.is_discarded() && r.Get("Content-Type") == "application/json") {
      EXPECT_EQ(nlohmann::json::parse(r.Body(), nullptr, false), want) << r.Body();
    } else {
      EXPECT_EQ(r.Body(), row.response);
    }
  }
  for (const auto& [name, value] : row.want_headers) EXPECT_EQ(r.Get(name), value) << name;
}

const char* kBook = R"(name: "shelves/s1/books/b1" title: "T")";
const char* kBooks = R"(books { title: "A" } books { title: "B" } total_size: 2)";

std::vector<Row> Rows() {
  return {
      // Path templates.
      {"MultiSegmentVariable", "GET", "/conf/v1/shelves/s1/books/b1", "", {}, 200, "GetBook",
       R"(name: "shelves/s1/books/b1")", kBook, R"({"name":"shelves/s1/books/b1","title":"T"})"},
      {"AdditionalBindingDoubleWildcard", "GET", "/conf/v1/books/a/b/c", "", {}, 200, "GetBook",
       R"(name: "a/b/c")", kBook},
      {"DoubleWildcardMatchesZeroSegments", "GET", "/conf/v1/books", "", {}, 200, "GetBook", "",
       kBook},
      {"NestedFieldPathAndIntegerVariable", "GET", "/conf/v1/authors/a%20b/books/7", "", {}, 200,
       "GetByAuthor", R"(author { id: "a b" } book_id: 7)", kBook},
      {"IntegerVariableThatIsNot", "GET", "/conf/v1/authors/a/books/seven", "", {}, 400},
      {"SingleSegmentFullyDecoded", "GET", "/conf/v1/authors/a%2Fb%3Ac/books/1", "", {}, 200,
       "GetByAuthor", R"(author { id: "a/b:c" } book_id: 1)", kBook},
      {"MultiSegmentKeepsReservedEscapes", "GET", "/conf/v1/books/x%3Ay%2Fz%40w%20v%C3%A9", "",
       {}, 200, "GetBook", R"(name: "x%3Ay%2Fz%40w v\303\251")", kBook},
      {"InvalidUtf8InAVariable", "GET", "/conf/v1/authors/%FF/books/1", "", {}, 400},
      {"LiteralMismatch", "GET", "/conf/v1/shelves/s1/boxes/b1", "", {}, 404},
      // Verbs and methods.
      {"CustomVerbWithBodyStar", "POST", "/conf/v1/shelves/s1:archive",
       R"({"reason":"full","force":true})", {}, 200, "ArchiveShelf",
       R"(name: "shelves/s1" reason: "full" force: true)", R"(name: "shelves/s1")"},
      {"UnknownVerb", "POST", "/conf/v1/shelves/s1:burn", "{}", {}, 404},
      {"CustomHttpMethod", "SEARCH", "/conf/v1/books", R"({"query":"war"})", {}, 200,
       "SearchBooks", R"(query: "war")", kBooks},
      {"MethodNotAllowed", "PUT", "/conf/v1/shelves/s1:archive", "{}", {}, 405, "", "", "", "",
       {{"Allow", "OPTIONS, POST"}}},
      {"PutAdditionalBinding", "PUT", "/conf/v1/shelves/s1/books/b1", R"({"title":"P"})", {}, 200,
       "UpdateBook", R"(book { name: "shelves/s1/books/b1" title: "P" })", kBook},
      // Body forms.
      {"NoBodyRuleRefusesABody", "GET", "/conf/v1/shelves/s1/books/b1", R"({"x":1})", {}, 400},
      {"BodyFieldCreates201WithLocation", "POST", "/conf/v1/shelves/s1/books?book_id=b2",
       R"({"title":"New","author":{"displayName":"Ann"}})", {}, 201, "CreateBook",
       R"(parent: "shelves/s1" book { title: "New" author { display_name: "Ann" } } book_id: "b2")",
       R"(name: "shelves/s1/books/b2")", "", {{"Location", "/conf/v1/shelves/s1/books/b2"}}},
      {"QueryParameterBoundByTheBodyField", "POST", "/conf/v1/shelves/s1/books?book.title=x",
       R"({"title":"New"})", {}, 400},
      {"BodyStarLeavesNoQuery", "POST", "/conf/v1/shelves/s1:archive?force=true", "{}", {}, 400},
      {"PathVariableInsideTheBodyFieldAndMask", "PATCH",
       "/conf/v1/shelves/s1/books/b1?update_mask=title,author.displayName", R"({"title":"X"})",
       {}, 200, "UpdateBook",
       R"(book { name: "shelves/s1/books/b1" title: "X" }
          update_mask { paths: "title" paths: "author.display_name" })",
       kBook},
      {"BodyDisagreesWithThePath", "PATCH", "/conf/v1/shelves/s1/books/b1",
       R"({"name":"shelves/s1/books/other"})", {}, 400},
      {"BodyIsOneJsonValue", "POST", "/conf/v1/shelves/s1/books",
       R"({"title":"x"}, "bookId":"smuggled")", {}, 400},
      {"UnknownJsonField", "POST", "/conf/v1/shelves/s1:archive", R"({"colour":"red"})", {}, 400},
      {"NonJsonContentType", "POST", "/conf/v1/shelves/s1:archive", R"({"reason":"x"})",
       {{"content-type", "text/plain"}}, 415},
      {"HttpBodyField", "POST", "/conf/v1/blobs/b1:upload", std::string("\x89PNG\x00\x01", 6),
       {{"content-type", "image/png"}}, 200, "UploadBlob",
       R"(name: "blobs/b1" payload { content_type: "image/png" data: "\211PNG\000\001" })",
       R"(name: "blobs/b1" size: 6)", R"({"name":"blobs/b1","size":"6"})"},
      {"HttpBodyRequest", "POST", "/conf/v1/raw", "a,b\n1,2\n", {{"content-type", "text/csv"}},
       200, "UploadRaw", R"(content_type: "text/csv" data: "a,b\n1,2\n")", R"(name: "raw")"},
      {"StructValueListValueNullValue", "PUT", "/conf/v1/shelves/s1/attributes",
       R"({"value":[1,"a",null],"attributes":{"k":{"n":true}},"items":["x"],"nothing":null})", {},
       200, "PutAttributes",
       R"(name: "shelves/s1"
          value { list_value { values { number_value: 1 } values { string_value: "a" }
                               values { null_value: NULL_VALUE } } }
          attributes { fields { key: "k" value { struct_value { fields { key: "n"
                       value { bool_value: true } } } } } }
          items { values { string_value: "x" } })",
       "",
       R"({"name":"shelves/s1","value":[1,"a",null],"attributes":{"k":{"n":true}},
           "items":["x"]})"},
      // Responses: Empty, response_body (repeated, scalar, message), HttpBody.
      {"EmptyIs204AndIfMatchFillsEtag", "DELETE", "/conf/v1/shelves/s1/books/b1", "",
       {{"if-match", "\"e1\""}}, 204, "DeleteBook",
       R"(name: "shelves/s1/books/b1" etag: "\"e1\"")", "", ""},
      {"ResponseBodyRepeated", "GET", "/conf/v1/shelves/s1/books?page_size=2", "", {}, 200,
       "ListBooks", R"(parent: "shelves/s1" page_size: 2)", kBooks,
       R"([{"title":"A"},{"title":"B"}])"},
      {"ResponseBodyScalarInt64", "GET", "/conf/v1/shelves/s1/books:count", "", {}, 200,
       "ListBooks", R"(parent: "shelves/s1")", kBooks, R"("2")"},
      {"ResponseBodyMessage", "GET", "/conf/v1/shelves/s1/books:first", "", {}, 200, "ListBooks",
       R"(parent: "shelves/s1")", R"(first { title: "A" })", R"({"title":"A"})"},
      {"ResponseBodyRepeatedEmpty", "GET", "/conf/v1/shelves/s2/books", "", {}, 200, "ListBooks",
       R"(parent: "shelves/s2")", "total_size: 0", "[]"},
      {"HttpBodyResponse", "GET", "/conf/v1/blobs/b1", "", {}, 200, "DownloadBlob",
       R"(name: "blobs/b1")", R"(content_type: "image/png" data: "PNG")", "PNG",
       {{"Content-Type", "image/png"}}},
      // Query mapping.
      {"QueryEveryScalarRepeatedNestedWellKnownAndMap", "GET",
       "/conf/v1/query/q1?s=a+b&i32=-3&i64=9007199254740993&u32=4294967295"
       "&u64=18446744073709551615&si32=-5&f64=7&d=1.5&f=0.25&b=true&raw=aGk%3D"
       "&view=BOOK_VIEW_FULL&tags=x&tags=y&views=1&views=BOOK_VIEW_FULL&filter.word=w"
       "&filter.child.word=deeper&at=2024-01-02T03:04:05Z&ttl=1.5s&mask=title,author.displayName"
       "&maybe_count=0&maybeName=n&maybe_flag=false&labels%5Bk%5D=v&by_number[3]=three",
       "", {}, 200, "Query",
       R"(id: "q1" s: "a b" i32: -3 i64: 9007199254740993 u32: 4294967295
          u64: 18446744073709551615 si32: -5 f64: 7 d: 1.5 f: 0.25 b: true raw: "hi"
          view: BOOK_VIEW_FULL tags: "x" tags: "y" views: BOOK_VIEW_BASIC views: BOOK_VIEW_FULL
          filter { word: "w" child { word: "deeper" } } at { seconds: 1704164645 }
          ttl { seconds: 1 nanos: 500000000 } mask { paths: "title" paths: "author.display_name" }
          maybe_count { value: 0 } maybe_name { value: "n" } maybe_flag { value: false }
          labels { key: "k" value: "v" } by_number { key: 3 value: "three" })"},
      {"QueryEnumByNumberAndBoolAsDigit", "GET", "/conf/v1/query/q?view=2&b=1", "", {}, 200,
       "Query", R"(id: "q" view: BOOK_VIEW_FULL b: true)"},
      {"QueryUnknownParameter", "GET", "/conf/v1/query/q?nope=1", "", {}, 400},
      {"QueryNonRepeatedTwice", "GET", "/conf/v1/query/q?s=a&s=b", "", {}, 400},
      {"QueryUint32Overflow", "GET", "/conf/v1/query/q?u32=4294967296", "", {}, 400},
      {"QueryNegativeUnsigned", "GET", "/conf/v1/query/q?u64=-1", "", {}, 400},
      {"QueryBadEnum", "GET", "/conf/v1/query/q?view=BOOK_VIEW_HUGE", "", {}, 400},
      {"QueryBadTimestamp", "GET", "/conf/v1/query/q?at=yesterday", "", {}, 400},
      {"QueryPathFieldAgain", "GET", "/conf/v1/query/q?id=other", "", {}, 400},
      {"QueryMapKeyTwice", "GET", "/conf/v1/query/q?labels[k]=1&labels[k]=2", "", {}, 400},
      {"QueryMessageAsAValue", "GET", "/conf/v1/query/q?filter=x", "", {}, 400},
      {"QueryMalformedEscape", "GET", "/conf/v1/query/q?s=%zz", "", {}, 400},
  };
}

INSTANTIATE_TEST_SUITE_P(HttpRule, ConformanceTest, ::testing::ValuesIn(Rows()),
                         [](const ::testing::TestParamInfo<Row>& info) { return info.param.name; });

}  // namespace
}  // namespace mgi::gateway

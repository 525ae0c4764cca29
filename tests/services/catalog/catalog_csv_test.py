#!/usr/bin/python3
"""The operators' path for the official indicator set: CSV -> JSON with tools/catalog-csv, then
`mgi-catalog --check-data DIR`, which exits without serving (0 valid, 1 with every problem).

  catalog_csv_test.py SOURCE_DIR MGI_CATALOG_BINARY
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

SOURCE, CATALOG = sys.argv[1], sys.argv[2]
TOOL = os.path.join(SOURCE, "tools", "catalog-csv", "mgi-catalog-csv")
TEMPLATES = os.path.join(SOURCE, "tools", "catalog-csv")
DEADLINE = 60  # seconds; a process still running then has started serving: a failure


def run(args):
    return subprocess.run(args, capture_output=True, text=True, timeout=DEADLINE)


class CatalogCsvTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="mgi-catalog-csv-")
        self.data = os.path.join(self.dir, "data")
        os.makedirs(os.path.join(self.data, "indicators"))
        shutil.copy(os.path.join(SOURCE, "data", "catalog", "framework.json"), self.data)

    def tearDown(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    def convert(self, csv_path, out, extra=()):
        return run(["/usr/bin/python3", TOOL, csv_path,
                    "--scale", os.path.join(TEMPLATES, "scale-template.csv"),
                    "--framework-edition", "2022", "--source-note", "test set",
                    "--unverified-languages", "fr", "-o", out, *extra])

    def write(self, name, text):
        path = os.path.join(self.dir, name)
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        return path

    def test_template_converts_and_checks(self):
        out = os.path.join(self.data, "indicators", "official.json")
        r = self.convert(os.path.join(TEMPLATES, "indicators-template.csv"), out)
        self.assertEqual(r.returncode, 0, r.stderr)
        with open(out, encoding="utf-8") as f:
            doc = json.load(f)
        self.assertEqual(doc["kind"], "mgi.catalog.indicators")
        self.assertFalse(doc["sample"])
        self.assertEqual([i["id"] for i in doc["indicators"]], ["n-1-01", "n-1-02", "l-1-01"])
        self.assertEqual(doc["indicators"][0]["text"]["es"]["unverified"], True)
        self.assertEqual([p["value"] for p in doc["indicators"][1]["scale"]], ["ABSENT", "COMPLETE"])
        self.assertNotIn("es", doc["indicators"][2]["text"])
        self.assertEqual(doc["unverified_languages"], ["fr"])
        check = run([CATALOG, "--check-data=" + self.data])
        self.assertEqual(check.returncode, 0, check.stderr)
        self.assertIn("is valid: 6 domains", check.stdout)
        self.assertIn("3 indicators (2 national, 1 local) in 1 file(s)", check.stdout)
        self.assertIn("no indicator marked as a sample", check.stdout)

    def test_shipped_data_checks(self):
        check = run([CATALOG, "--check-data", os.path.join(SOURCE, "data", "catalog")])
        self.assertEqual(check.returncode, 0, check.stderr)
        self.assertIn("indicator(s) marked \"sample\": true", check.stdout)

    def test_converter_names_every_bad_row(self):
        bad = self.write("bad.csv",
                         "id,domain,sub_area,level,text:en,text:FR,colour\n"
                         "n-1-01,migrants-rights,social-services,regional,Q1,Q1fr,red\n"
                         "n-1-01,migrants-rights,social-services,national,,x,red\n"
                         "Bad Id,migrants-rights,social-services,national,Q3,,red\n"
                         "n-1-04,migrants-rights\n")
        out = os.path.join(self.dir, "out.json")
        r = self.convert(bad, out)
        self.assertEqual(r.returncode, 1)
        self.assertFalse(os.path.exists(out), "nothing is written when a row is wrong")
        for want in ['bad.csv:1: column "text:FR"', 'bad.csv:1: unknown column "colour"',
                     'bad.csv:2: level "regional" is not national or local',
                     'bad.csv:3: id "n-1-01" is also on line 2', "bad.csv:3: text:en is empty",
                     'bad.csv:4: id "Bad Id" must match', "bad.csv:5: 2 cells, the header has 7"]:
            self.assertIn(want, r.stderr)

    def test_check_data_refuses_data_the_framework_does_not_know(self):
        csv_path = self.write("unknown.csv",
                              "id,domain,sub_area,level,text:en\n"
                              "n-9-01,migrants-rights,no-such-area,national,Q\n"
                              "n-9-02,migrants-rights,family-reunification,local,Q\n")
        r = self.convert(csv_path, os.path.join(self.data, "indicators", "x.json"))
        self.assertEqual(r.returncode, 0, r.stderr)  # well-formed rows: the framework decides
        check = run([CATALOG, "--check-data", self.data])
        self.assertEqual(check.returncode, 1)
        self.assertIn("is invalid (2 problems)", check.stderr)
        self.assertIn('unknown sub-area "no-such-area" in domain "migrants-rights"', check.stderr)
        self.assertIn('sub-area "family-reunification" is not used at the local level', check.stderr)
        self.assertEqual(check.stdout, "")

    def test_check_data_of_a_missing_directory(self):
        check = run([CATALOG, "--check-data", os.path.join(self.dir, "absent")])
        self.assertEqual(check.returncode, 1)
        self.assertIn("does not exist", check.stderr)


if __name__ == "__main__":
    unittest.main(argv=sys.argv[:1], verbosity=2)

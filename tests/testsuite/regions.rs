//! Official statistics in: `kume import eurostat` on the real Eurostat table
//! (`../shared/data/eurostat/lfst_r_lfe2en2.tsv`, read from there, never copied into the
//! repository), the İBBS-2 analysis checked against an independent computation from the raw
//! file, the region pages of the repository's site built with the imported table, and the
//! importer's and the region table's errors with their locations.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::harness::{TestSite, kume_in, repo, walk};

/// The real table, or None (with a plain message) when `../shared` is absent; in CI
/// (`CI=true`) its absence fails the test.
fn eurostat_table() -> Option<PathBuf> {
    let path = repo().join("../shared/data/eurostat/lfst_r_lfe2en2.tsv");
    if path.is_file() {
        return Some(path);
    }
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!(
            "CI=true but the Eurostat table is missing: {} (see ../shared/data/eurostat/README.md)",
            path.display()
        );
    }
    // Straight to stderr, past the test harness' capture, so that the skip is seen.
    let _ = writeln!(
        std::io::stderr(),
        "SKIPPED: the Eurostat region test needs ../shared/data/eurostat/lfst_r_lfe2en2.tsv, and ../shared is absent"
    );
    None
}

/// A copy of the repository's site (content, data, lists, templates) in a temporary folder.
fn repository_site() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::Builder::new()
        .prefix("kume-regions-")
        .tempdir()
        .unwrap();
    let root = dir.path().to_path_buf();
    for top in ["site", "templates", "surveys"] {
        for file in walk(&repo().join(top)) {
            let dest = root.join(file.strip_prefix(repo()).unwrap());
            std::fs::create_dir_all(dest.parent().unwrap()).unwrap();
            std::fs::copy(&file, dest).unwrap();
        }
    }
    (dir, root)
}

const IMPORTED: &str = "site/data/employment/eurostat.csv";

fn import(root: &Path, table: &Path) {
    let out = Command::new(env!("CARGO_BIN_EXE_kume"))
        .args(["import", "eurostat"])
        .arg(table)
        .arg("--out")
        .arg(root.join(IMPORTED))
        .args(["--retrieved", "2026-12-02"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.contains("converted to persons: thousands × 1000"),
        "{stderr}"
    );
}

fn read_json(path: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[test]
fn the_real_eurostat_table_is_imported_and_analysed_as_an_independent_check_computes() {
    let Some(table) = eurostat_table() else {
        return;
    };
    let (_dir, root) = repository_site();
    import(&root, &table);
    let csv = std::fs::read_to_string(root.join(IMPORTED)).unwrap();
    // Thousands become persons exactly, flags stay beside the figure, the source is named.
    assert!(csv.contains(
        "2015,TR41,B-E,449700,,Eurostat,lfst_r_lfe2en2,2026-12-02,449.7 thousand persons × 1000\n"
    ));
    assert!(csv.contains("2014,TR,B-E,5313100,b,Eurostat,lfst_r_lfe2en2,"));
    assert!(
        csv.contains(",TR71,L,C,c,Eurostat,"),
        "a `: c` cell is confidential"
    );
    assert!(!csv.contains(",NRP,"));

    let out = root.join("analysis");
    kume_in(&root, &["analyse", "--out", out.to_str().unwrap()]).assert_code(0);
    let regions = read_json(&out.join("sectors-ibbs2-section.json"));
    assert_eq!(regions["area_level"], "ibbs2");
    assert_eq!(regions["stars_apply"], false);
    assert_eq!(regions["provinces"].as_array().unwrap().len(), 26);
    let cell = regions["cells"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["province"] == "TR41" && c["sector"] == "B-E")
        .unwrap();
    assert_eq!(cell["stars"], serde_json::Value::Null);
    assert_eq!(cell["series_break"], 2014);

    // The independent computation from the raw file (tests/tools/sector_check.py).
    let python = Command::new("python3")
        .arg(repo().join("tests/tools/sector_check.py"))
        .arg("--eurostat")
        .arg(&table)
        .arg("--json")
        .arg(out.join("sectors-ibbs2-section.json"))
        .arg("--print")
        .output()
        .expect("python3 runs the independent check");
    assert!(
        python.status.success(),
        "{}",
        String::from_utf8_lossy(&python.stderr)
    );
    let independent: serde_json::Value = serde_json::from_slice(&python.stdout).unwrap();
    assert_eq!(
        (regions["year"].as_i64(), regions["base_year"].as_i64()),
        (Some(2015), Some(2009))
    );
    assert_eq!(independent["year"], regions["year"]);
    assert_eq!(independent["base_year"], regions["base_year"]);
    let theirs = &independent["TR41 B-E"];
    let close = |a: &serde_json::Value, b: &serde_json::Value| {
        let (a, b) = (a.as_f64().unwrap(), b.as_f64().unwrap());
        assert!((a - b).abs() <= 1e-9 * b.abs().max(1.0), "{a} != {b}");
    };
    close(&cell["lq"], &theirs["lq"]);
    // By hand from the raw figures: (449.7 / 1361.0) / (5340.2 / 26618.5).
    close(
        &cell["lq"],
        &serde_json::json!((449.7 / 1361.0) / (5340.2 / 26618.5)),
    );
    for part in ["national", "industry_mix", "regional"] {
        close(&cell["shift_share"][part], &theirs["shift_share"][part]);
    }
}

/// Builds the site at `root` into `public/` and returns that folder.
fn build(root: &Path) -> PathBuf {
    let public = root.join("public");
    kume_in(root, &["build", "--out", public.to_str().unwrap()]).assert_code(0);
    public
}

fn page(public: &Path, rel: &str) -> String {
    std::fs::read_to_string(public.join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

#[test]
fn region_pages_and_map_are_built_from_the_imported_table_with_and_without_the_sample() {
    let Some(table) = eurostat_table() else {
        return;
    };
    let (_dir, root) = repository_site();
    import(&root, &table);

    // Both tables: the province overview and the region overview link to each other.
    let public = build(&root);
    let provinces = page(&public, "sektor-analizi/index.html");
    assert!(provinces.contains("href=\"/bolgeler/\""));
    assert!(provinces.contains("class=\"table-switch\""));
    assert!(
        provinces.contains("sample-notice"),
        "the sample stays labelled"
    );
    let regions = page(&public, "bolgeler/index.html");
    assert!(regions.contains("href=\"/sektor-analizi/\""));
    assert!(!regions.contains("sample-notice"));

    // Without the sample: only the region table.
    std::fs::remove_file(root.join("site/data/employment/sample.csv")).unwrap();
    std::fs::remove_dir_all(&public).unwrap();
    let public = build(&root);
    // The sector analysis' own address (linked from the guidebook) is the region overview.
    assert!(!public.join("bolgeler/index.html").exists());
    let overview = page(&public, "sektor-analizi/index.html");
    assert!(
        overview.contains("class=\"province-map\""),
        "the map of the regions"
    );
    let region_pages = std::fs::read_dir(public.join("bolgeler"))
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .file_name()
                .to_string_lossy()
                .starts_with("tr")
        })
        .count();
    assert_eq!(region_pages, 26, "one page per İBBS-2 region");
    let industry = page(&public, "bolgeler/faaliyet/b-e/index.html");
    assert!(
        industry.contains("href=\"/bolgeler/tr41/\""),
        "the regions ranked"
    );
    assert!(
        industry.contains("class=\"province-map\""),
        "the map of the activity's LQ"
    );
    let tr41 = page(&public, "bolgeler/tr41/index.html");
    assert!(tr41.contains("Bursa, Eskişehir, Bilecik (TR41)"));
    assert!(
        tr41.contains("449.700"),
        "B-E in persons, Turkish number format"
    );
    assert!(tr41.contains("1,65"), "the location quotient of B-E");
    assert!(tr41.contains("<abbr class=\"flags\" title=\"u: düşük güvenilirlik\">u</abbr>"));
    assert!(tr41.contains("2014 yılında seri kırılması"));
    let en = page(&public, "en/regions/tr41/index.html");
    assert!(en.contains("Bursa, Eskişehir, Bilecik (TR41)"));
    assert!(en.contains("449,700"));
    assert!(
        en.contains("do not apply here"),
        "says where the stars do not apply"
    );
    // Eurostat is credited with its dataset, the retrieval date and the unit conversion on
    // every page that shows its figures.
    for dir in [
        public.join("bolgeler"),
        public.join("en/regions"),
        public.join("sektor-analizi"),
        public.join("en/sector-analysis"),
    ] {
        for file in walk(&dir) {
            let html = std::fs::read_to_string(&file).unwrap();
            for needle in [
                "https://ec.europa.eu/eurostat/databrowser/view/lfst_r_lfe2en2/default/table?lang=en",
                "2026-12-02",
            ] {
                assert!(
                    html.contains(needle),
                    "{needle} missing in {}",
                    file.display()
                );
            }
            assert!(
                html.contains("Kaynak: Eurostat") || html.contains("Source: Eurostat"),
                "no credit in {}",
                file.display()
            );
            assert!(html.contains("1.000 ile çarpımıdır") || html.contains("times 1,000"));
        }
    }
    assert!(
        page(&public, "index.html").contains("href=\"/sektor-analizi/\""),
        "the menu"
    );
    assert!(
        public
            .join("veri/sektorler/sectors-ibbs2-section.csv")
            .is_file()
    );

    // Kept for CI's Nu HTML Checker and axe-core run over a site built with the real table.
    let keep = Path::new(env!("CARGO_TARGET_TMPDIR")).join("regions-site");
    let _ = std::fs::remove_dir_all(&keep);
    for file in walk(&public) {
        let dest = keep.join(file.strip_prefix(&public).unwrap());
        std::fs::create_dir_all(dest.parent().unwrap()).unwrap();
        std::fs::copy(&file, dest).unwrap();
    }
}

const TSV_HEADER: &str = "unit,nace_r2,age,geo\\time\t2015 \t2014 \n";

#[test]
fn import_errors_say_where_and_what_to_do() {
    let site = TestSite::base();
    let bad = site.root.join("bad.tsv");
    std::fs::write(
        &bad,
        format!("{TSV_HEADER}THS,F,Y_GE15,TR41\t1.0 \t1,2 \nTHS,A,Y_GE15,TR41\t2.0 x\t: \n"),
    )
    .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_kume"))
        .args(["import", "eurostat"])
        .arg(&bad)
        .arg("--out")
        .arg(site.root.join("out.csv"))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    let file = bad.display();
    assert!(
        stderr.contains(&format!(
            "{file}:2:24: error: `1,2` is not a count (TR41, F, 2014)"
        )),
        "{stderr}"
    );
    assert!(stderr.contains("help: a figure is a number"), "{stderr}");
    assert!(
        stderr.contains(&format!("{file}:3:23: error: unknown flag in `2.0 x`")),
        "{stderr}"
    );
    assert!(!site.root.join("out.csv").exists(), "nothing written");
}

#[test]
fn region_table_mistakes_are_reported_where_they_are() {
    let site = TestSite::fixture("sectors");
    for file in [
        "surveys/lists/iller.yaml",
        "surveys/lists/ibbs_bolgeler.yaml",
        "surveys/lists/nace_bolumler.yaml",
        "surveys/lists/nace_bolumleri.yaml",
    ] {
        site.write(file, &std::fs::read_to_string(repo().join(file)).unwrap());
    }
    let table = "site/data/employment/regions.csv";
    site.write(
        table,
        "year,region,activity,employees,flags,source\n2015,TR99,B-E,5,,Eurostat\n2015,TR41,B-X,5,,Eurostat\n2015,TR41,F,5,q,Eurostat\n2015,TR41,B-E,5,u,Eurostat\n",
    );
    site.kume(&["check"])
        .assert_code(1)
        .assert_stderr_has(&format!("{table}:2:6: error: unknown region `TR99`"))
        .assert_stderr_has(&format!("{table}:3:11: error: unknown activity `B-X`"))
        .assert_stderr_has(&format!("{table}:4:15: error: unknown flag `q` in `q`"));
}

//! The sector analysis: `kume analyse` on a hand-computed table, the pages it adds to the
//! site (beside the province taxonomy's pages), the table's validation errors with their
//! locations, and the suppression of confidential and small cells.

use crate::harness::{TestSite, repo};

/// The `sectors` fixture with the built-in lists, the map and one registry cluster in Samsun.
fn site() -> TestSite {
    let site = TestSite::fixture("sectors");
    for file in [
        "surveys/lists/iller.yaml",
        "surveys/lists/nace_bolumleri.yaml",
        "site/data/geo/turkey-provinces.json",
        "site/data/clusters/ornek-samsun-gida.yaml",
    ] {
        site.write(file, &std::fs::read_to_string(repo().join(file)).unwrap());
    }
    site
}

const TABLE: &str = "site/data/employment/table.csv";
const HEADER: &str =
    "year,ibbs3,nace2,employees,workplaces,source,source_table,retrieved_on,note\n";

fn analyse(site: &TestSite) -> serde_json::Value {
    let out = site.root.join("analysis");
    site.kume(&["analyse", "--out", out.to_str().unwrap()])
        .assert_code(0);
    assert!(out.join("sectors.csv").is_file());
    serde_json::from_str(&std::fs::read_to_string(out.join("sectors.json")).unwrap()).unwrap()
}

fn cell<'a>(a: &'a serde_json::Value, province: &str, sector: &str) -> &'a serde_json::Value {
    a["cells"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["province"] == province && c["sector"] == sector)
        .unwrap_or_else(|| panic!("no cell {province} {sector}"))
}

#[test]
fn analyse_writes_the_hand_computed_figures() {
    let a = analyse(&site());
    assert_eq!(a["sample"], true);
    assert_eq!(
        (a["year"].as_i64(), a["base_year"].as_i64()),
        (Some(2024), Some(2023))
    );
    let samsun_food = cell(&a, "TR831", "10");
    // (300/400) / (500/1000) = 1.5; rank 1 of 3 → size and focus stars; strong.
    assert_eq!(samsun_food["lq"], 1.5);
    assert_eq!(samsun_food["stars"]["size"], true);
    assert_eq!(samsun_food["stars"]["specialisation"], false);
    assert_eq!(samsun_food["strong"], true);
    // 200 → 300 while the nation grew by a quarter and the sector by a quarter.
    assert_eq!(samsun_food["shift_share"]["national"], 50.0);
    assert_eq!(samsun_food["shift_share"]["regional"], 50.0);
    let food = &a["sectors"].as_array().unwrap()[0];
    assert!((food["hhi"].as_f64().unwrap() - 0.44).abs() < 1e-12);
    let samsun = a["provinces"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["code"] == "TR831")
        .unwrap();
    assert!((samsun["krugman"].as_f64().unwrap() - 0.5).abs() < 1e-12);
}

#[test]
fn pages_in_both_languages_beside_the_province_term_page() {
    let site = site();
    site.build();
    let tr = site.read_output("iller/samsun/sektorler/index.html");
    assert!(tr.contains("Samsun: öne çıkan sektörler"), "{tr}");
    assert!(tr.contains("Örnek veri — resmî istatistik değildir"));
    // The quotient written the Turkish way, the stars and the flag in words.
    assert!(tr.contains("<td class=\"num\">1,50</td>"));
    assert!(tr.contains("★★ (büyüklük, odak)"));
    assert!(tr.contains("class=\"lq-bars\""));
    assert!(tr.contains("Örnek Samsun Gıda Kümesi"));
    assert!(tr.contains("10 - Gıda ürünlerinin imalatı (bu ilde öne çıkan sektör)"));
    // The taxonomy's term page for Samsun is still there, with its own content.
    let term = site.read_output("iller/samsun/index.html");
    assert!(term.contains("gıda kümesi toplandı</a>"), "{term}");
    let en = site.read_output("en/provinces/samsun/sectors/index.html");
    assert!(en.contains("Samsun: prominent sectors"));
    assert!(en.contains("Sample data — not official statistics"));
    assert!(en.contains("<td class=\"num\">1.50</td>"));
    let overview = site.read_output("sektor-analizi/index.html");
    assert!(overview.contains("class=\"province-map\""));
    assert!(overview.contains("href=\"/iller/samsun/sektorler/\""));
    let sector = site.read_output("en/sector-analysis/nace/10/index.html");
    assert!(sector.contains("<circle"), "strong provinces carry a dot");
    assert!(site.output_exists("veri/sektorler/sectors.csv"));
}

#[test]
fn maps_draw_the_province_outlines_published_once() {
    let site = site();
    site.build();
    let outlines = site.read_output("veri/harita/iller.svg");
    assert!(outlines.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\">"));
    assert!(
        outlines.contains("MIT licence"),
        "the geometry's credit travels with it"
    );
    for page in [
        "sektor-analizi/index.html",
        "en/sector-analysis/nace/10/index.html",
    ] {
        let html = site.read_output(page);
        assert!(
            !html.contains("<path d="),
            "{page} repeats the outlines inline"
        );
        let refs: Vec<&str> = html.split("<use href=\"").skip(1).collect();
        assert!(refs.len() >= 3, "{page} draws its provinces: {html}");
        for r in refs {
            let target = &r[..r.find('"').unwrap()];
            let (file, id) = target.split_once('#').unwrap();
            // A cache-busting URL: the same file, a hash that changes with it.
            assert!(file.starts_with("/veri/harita/iller.svg?h="), "{target}");
            assert!(
                outlines.contains(&format!("<path id=\"{id}\" d=")),
                "{id} is not in the file"
            );
        }
    }
}

#[test]
fn table_mistakes_are_reported_where_they_are() {
    let site = site();
    site.write(
        TABLE,
        &format!(
            "{HEADER}2024,TR999,10,5,1,SGK,,,\n2024,TR831,1,5,1,SGK,,,\n2024,TR831,10,-4,1,SGK,,,\n2024,TR510,10,12a,1,SGK,,,\n2024,Ankara,10,5,1,SGK,,,\n2024,TR100,10,5,1,SGK,,,\n2024,TR100,10,6,1,SGK,,,\n2024,TR100,13,5,1,,,,\n"
        ),
    );
    let run = site.kume(&["check"]);
    run.assert_code(1);
    run.assert_stderr_has(&format!("{TABLE}:2:6: error: unknown province `TR999`"))
        .assert_stderr_has(&format!("{TABLE}:3:12: error: unknown NACE Rev. 2 division `1`"))
        .assert_stderr_has("help: write division codes with two digits: `01`")
        .assert_stderr_has(&format!("{TABLE}:4:15: error: `employees` is negative: `-4`"))
        .assert_stderr_has(&format!("{TABLE}:5:15: error: `employees` is not a whole number: `12a`"))
        .assert_stderr_has("help: write the province's İBBS-3 code: `TR510`")
        .assert_stderr_has(&format!(
            "{TABLE}:8:1: error: a second row for 2024, TR100, division 10: the first is at {TABLE}:7"
        ))
        .assert_stderr_has(&format!("{TABLE}:9:19: error: the row has no source"));
    // The same errors stop `kume analyse`.
    site.kume(&["analyse"]).assert_code(1);
}

#[test]
fn an_unknown_column_is_named_with_a_suggestion() {
    let site = site();
    site.write(
        TABLE,
        "year,ibbs3,nace2,employes,source\n2024,TR831,10,5,SGK\n",
    );
    site.kume(&["check"])
        .assert_code(1)
        .assert_stderr_has(&format!("{TABLE}:1:18: error: unknown column `employes`"))
        .assert_stderr_has("did you mean `employees`?");
}

#[test]
fn confidential_and_small_cells_are_withheld() {
    let site = site();
    let table = std::fs::read_to_string(site.root.join(TABLE))
        .unwrap()
        .replace("2024,TR510,13,300,30", "2024,TR510,13,C,C");
    site.write(TABLE, &table);
    site.write(
        "site/data/employment/analysis.yaml",
        "min_employees: 150\nmin_workplaces: 3\n",
    );
    let a = analyse(&site);
    let secret = cell(&a, "TR510", "13");
    assert_eq!(secret["suppressed"], "confidential");
    assert!(secret["employees"].is_null() && secret["lq"].is_null());
    let small = cell(&a, "TR100", "10");
    assert_eq!(small["suppressed"], "below_floor");
    assert!(small["lq"].is_null() && small["stars"].is_null() && small["strong"].is_null());
    // Confidential cells are left out of the totals.
    assert_eq!(a["national_employees"], 700);
    site.build();
    let page = site.read_output("iller/istanbul/sektorler/index.html");
    assert!(
        page.contains("Gösterilmeyen sektörler: 0 gizli, 2 eşiğin altında."),
        "{page}"
    );
    let ankara = site.read_output("iller/ankara/sektorler/index.html");
    assert!(ankara.contains("Gösterilmeyen sektörler: 1 gizli, 1 eşiğin altında."));
    assert!(
        site.read_output("sektor-analizi/index.html")
            .contains("150 kişiden az")
    );
}

#[test]
fn a_content_page_at_a_sector_address_is_an_error() {
    let site = site();
    site.write(
        "site/content/sektor-analizi.md",
        "---\ntitle: Sektörler\n---\n\nMetin.\n",
    );
    site.kume(&["check"]).assert_code(1).assert_stderr_has(
        "site/content/sektor-analizi.md: error: the address /sektor-analizi/ is also a page of the sector analysis",
    );
}

#[test]
fn a_misspelt_floor_is_an_error_at_its_line() {
    let site = site();
    site.write(
        "site/data/employment/analysis.yaml",
        "min_employees: 20\nmin_workplace: 2\n",
    );
    site.kume(&["analyse"]).assert_code(1).assert_stderr_has(
        "site/data/employment/analysis.yaml:2:1: error: unknown field `min_workplace`",
    );
}

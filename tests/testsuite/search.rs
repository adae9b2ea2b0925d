//! The search index: what goes in, how words are folded, and the search pages.

use serde_json::Value;

use crate::harness::TestSite;

fn site() -> TestSite {
    let site = TestSite::base();
    site.write(
        "site/content/destek.md",
        "---\ntitle: \"Kümelenme Destek Programı\"\n---\n\nIĞDIR ve İstanbul'daki kümelenmenin desteği. TÜBİTAK 1501.\n",
    )
    .write(
        "site/content/destek.en.md",
        "---\ntitle: \"Cluster Support Programme\"\n---\n\nSupport for clustering in Iğdır.\n",
    );
    site.build();
    site
}

fn index(site: &TestSite, rel: &str) -> Value {
    serde_json::from_str(&site.read_output(rel)).unwrap()
}

fn docs_with(index: &Value, word: &str) -> Vec<String> {
    let words = index["words"].as_array().unwrap();
    let Some(entry) = words.iter().find(|w| w[0] == word) else {
        return Vec::new();
    };
    let postings = entry[1].as_array().unwrap();
    postings
        .chunks(2)
        .map(|p| {
            index["docs"][p[0].as_u64().unwrap() as usize]["u"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect()
}

#[test]
fn each_language_gets_a_folded_index_of_its_own_pages() {
    let site = site();
    let tr = index(&site, "ara/index.json");
    let en = index(&site, "en/search/index.json");
    assert_eq!(tr["lang"], "tr");
    // Turkish letters and case are folded with Turkish rules: IĞDIR → igdir, İstanbul → istanbul.
    assert!(
        docs_with(&tr, "kumelenme").contains(&"/destek/".to_string()),
        "kumelenme"
    );
    assert!(
        docs_with(&tr, "kumelenmenin").contains(&"/destek/".to_string()),
        "kumelenmenin"
    );
    assert!(
        docs_with(&tr, "igdir").contains(&"/destek/".to_string()),
        "igdir"
    );
    assert!(docs_with(&tr, "istanbul").contains(&"/destek/".to_string()));
    assert!(
        docs_with(&tr, "1501").contains(&"/destek/".to_string()),
        "1501"
    );
    assert!(
        docs_with(&en, "igdir").contains(&"/en/destek/".to_string()),
        "igdir"
    );
    assert!(
        docs_with(&en, "kumelenme").is_empty(),
        "languages stay apart"
    );
    let doc = tr["docs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["u"] == "/destek/")
        .unwrap();
    assert_eq!(doc["t"], "Kümelenme Destek Programı");
    assert!(doc["e"].as_str().unwrap().starts_with("IĞDIR ve"));
    let words: Vec<&str> = tr["words"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w[0].as_str().unwrap())
        .collect();
    assert!(words.windows(2).all(|w| w[0] < w[1]), "sorted and unique");
}

#[test]
fn lists_error_pages_and_navigation_stay_out_of_the_index() {
    let site = site();
    let tr = index(&site, "ara/index.json");
    let urls: Vec<&str> = tr["docs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["u"].as_str().unwrap())
        .collect();
    assert!(
        !urls
            .iter()
            .any(|u| u.contains("404") || u.starts_with("/ara/")),
        "{urls:?}"
    );
    // "İçeriğe geç" is the skip link on every page: outside <main>, never indexed.
    assert!(docs_with(&tr, "icerige").is_empty());
}

#[test]
fn search_pages_exist_in_both_languages_and_every_page_links_to_them() {
    let site = site();
    let page = site.read_output("ara/index.html");
    assert!(page.contains("data-index=\"/ara/index.json\""), "{page}");
    assert!(page.contains("<noscript>"));
    assert!(
        site.read_output("en/search/index.html")
            .contains("data-index=\"/en/search/index.json\"")
    );
    let about = site.read_output("hakkinda/index.html");
    assert!(about.contains("action=\"/ara/\""), "header search box");
}

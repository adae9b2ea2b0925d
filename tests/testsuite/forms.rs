//! The survey form without JavaScript: a repeat grows by a round trip to the collector that
//! keeps every answer, stores nothing and stops at the repeat's limit.

use crate::harness::Collector;

const FORM: (&str, &str) = ("Content-Type", "application/x-www-form-urlencoded");

fn stored(c: &Collector) -> i64 {
    c.open_db()
        .query_row("SELECT count(*) FROM responses", [], |r| r.get(0))
        .unwrap()
}

#[test]
fn a_blank_form_shows_one_entry_of_a_repeat_and_an_add_button() {
    let c = Collector::for_fixtures(&["sayfali"], &[]);
    let page = c.site.build();
    page.assert_code(0);
    let html = c.site.read_output("anket/sayfali/index.html");
    assert!(html.contains("name=\"projeler[0].proje_adi\""), "{html}");
    assert!(
        !html.contains("name=\"projeler[1].proje_adi\""),
        "one entry, not all three"
    );
    assert!(html.contains("name=\"_slots.projeler\" value=\"1\""));
    assert!(html.contains("name=\"_action\" value=\"add:projeler\""));
    assert!(
        html.find("class=\"default-submit\"") < html.find("value=\"add:projeler\""),
        "Enter in a field sends the form instead of adding an entry"
    );
}

#[test]
fn add_another_returns_the_form_one_entry_longer_with_the_answers_and_stores_nothing() {
    let c = Collector::for_fixtures(&["sayfali"], &[]);
    let (status, _, body) = c.post(
        &[FORM],
        "_lang=tr&kurum_adi=Samsun+TSO&projeler%5B0%5D.proje_adi=Birinci&_slots.projeler=1&_action=add%3Aprojeler",
    );
    assert_eq!(status, 200, "{body}");
    assert!(
        body.contains("name=\"projeler[1].proje_adi\""),
        "a second entry: {body}"
    );
    assert!(!body.contains("name=\"projeler[2].proje_adi\""));
    assert!(
        body.contains("value=\"Birinci\"") && body.contains("value=\"Samsun TSO\""),
        "answers kept"
    );
    assert!(body.contains("name=\"_slots.projeler\" value=\"2\""));
    assert!(
        !body.contains("error-summary"),
        "nothing is checked while filling in"
    );
    assert_eq!(stored(&c), 0, "nothing is stored");

    // At the repeat's limit (max_count: 3) the form offers no further entry.
    let (status, _, body) = c.post(&[FORM], "_lang=tr&_slots.projeler=2&_action=add%3Aprojeler");
    assert_eq!(status, 200);
    assert!(body.contains("name=\"projeler[2].proje_adi\""));
    assert!(!body.contains("projeler[3]."));
    assert!(
        !body.contains("value=\"add:projeler\""),
        "no add button at the limit"
    );

    // Sent for good, the entries are stored as answered; the bookkeeping fields are not.
    let (status, _, _) = c.post(
        &[FORM],
        "_lang=tr&kurum_adi=Samsun+TSO&projeler%5B0%5D.proje_adi=Birinci&projeler%5B1%5D.proje_adi=&_slots.projeler=2",
    );
    assert_eq!(status, 303);
    let answers: String = c
        .open_db()
        .query_row("SELECT answers FROM responses", [], |r| r.get(0))
        .unwrap();
    assert!(
        answers.contains("Birinci") && !answers.contains("_slots"),
        "{answers}"
    );
}

//! The benchmarking system end to end: answers through the real collector, `kume aggregate`,
//! `kume build --aggregates`, and the published numbers checked against hand-computed ones.

use crate::harness::{Server, TestSite, invitation_tokens, request};

fn kume(args: &[&str]) -> String {
    crate::harness::kume_ok(args).stdout
}

/// Invites `clusters` (one manager each) or firms of a cluster; returns the tokens.
fn invite(site: &TestSite, db: &str, survey: &str, roster: &str) -> Vec<String> {
    let path = site.root.join(format!("roster-{survey}.csv"));
    std::fs::write(&path, roster).unwrap();
    let links = kume(&[
        "invite",
        "--root",
        site.root.to_str().unwrap(),
        "--db",
        db,
        "--survey",
        survey,
        "--roster",
        path.to_str().unwrap(),
    ]);
    invitation_tokens(&links)
}

fn submit(server: &Server, survey: &str, token: &str, fields: &str) {
    let body = format!("{fields}&_lang=tr&_token={token}");
    let (status, _, page) = request(
        server.addr,
        "POST",
        &format!("/api/v1/surveys/{survey}/responses"),
        &[("Content-Type", "application/x-www-form-urlencoded")],
        body.as_bytes(),
    );
    assert_eq!(status, 303, "{survey} {fields}: {page}");
}

fn set_wave(site: &TestSite, wave: i64) {
    for survey in ["yonetici", "firma"] {
        let path = site.root.join(format!("surveys/{survey}.yaml"));
        let text = std::fs::read_to_string(&path).unwrap();
        let old = text
            .lines()
            .find(|l| l.starts_with("wave:"))
            .unwrap()
            .to_string();
        std::fs::write(&path, text.replace(&old, &format!("wave: {wave}"))).unwrap();
    }
}

#[test]
fn answers_become_published_benchmarks() {
    let site = TestSite::fixture("benchmark");
    let db = site.root.join("data/kume.sqlite");
    let db_arg = db.to_str().unwrap().to_string();
    let args = [
        "--db",
        db_arg.as_str(),
        "--rate-limit",
        "0",
        "--open-survey-limit",
        "0",
    ];

    // Wave 2025: one cluster answers.
    let server = Server::start(&site, &args);
    let t = invite(&site, &db_arg, "yonetici", "cluster\nk1\n");
    submit(&server, "yonetici", &t[0], "uye=8");
    drop(server);

    // Wave 2026: every cluster; one without a budget; firms of k1 (5) and k2 (3).
    set_wave(&site, 2026);
    let server = Server::start(&site, &args);
    let managers = invite(
        &site,
        &db_arg,
        "yonetici",
        "cluster\nk1\nk2\nk3\nk4\nk5\nk6\n",
    );
    let answers = [
        "uye=10&butce=100&kamu=50&notlar=GIZLI-NOT-7731",
        "uye=20&butce=200&kamu=20",
        "uye=20&butce=100&kamu=10",
        "uye=30",
        "uye=40&butce=100&kamu=40",
        "uye=50&butce=100&kamu=30",
    ];
    for (token, fields) in managers.iter().zip(answers) {
        submit(&server, "yonetici", token, fields);
    }
    let firms = invite(
        &site,
        &db_arg,
        "firma",
        "firm,cluster\nA,k1\nB,k1\nC,k1\nD,k1\nE,k1\nF,k2\nG,k2\nH,k2\n",
    );
    for (token, score) in firms.iter().zip([5, 4, 4, 3, 5, 5, 5, 4]) {
        submit(&server, "firma", token, &format!("memnuniyet={score}"));
    }
    // The needs assessment (an open survey): five agencies, one chamber.
    for (tur, picks) in [
        ("ajans", "egitim"),
        ("ajans", "egitim"),
        ("ajans", "finansman"),
        ("ajans", "egitim"),
        ("ajans", ""),
        ("oda", "egitim"),
    ] {
        let fields = format!("tur={tur}&ihtiyac={picks}&gorus=GIZLI-GORUS-5150&_lang=tr");
        let (status, ..) = request(
            server.addr,
            "POST",
            "/api/v1/surveys/ihtiyac/responses",
            &[("Content-Type", "application/x-www-form-urlencoded")],
            fields.as_bytes(),
        );
        assert_eq!(status, 303);
    }
    // `kume serve` aggregates again shortly after new answers: the profile follows.
    let start = std::time::Instant::now();
    loop {
        let (_, page) = crate::harness::get(server.addr, "/kumeler/k1/");
        if page.contains("Sonuçlar 2026") && page.contains("4,2") {
            break;
        }
        assert!(
            start.elapsed() < std::time::Duration::from_secs(20),
            "the served profile did not update:\n{page}"
        );
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
    drop(server);

    let root = site.root.to_str().unwrap().to_string();
    let out = site.root.join("agg");
    kume(&[
        "aggregate",
        "--root",
        &root,
        "--db",
        &db_arg,
        "--out",
        out.to_str().unwrap(),
    ]);
    let snapshot: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("aggregates.json")).unwrap())
            .unwrap();
    let value = |cluster: &str, ind: &str, wave: i64| -> serde_json::Value {
        snapshot["values"]
            .as_array()
            .unwrap()
            .iter()
            .find(|v| v["cluster"] == cluster && v["indicator"] == ind && v["wave"] == wave)
            .cloned()
            .unwrap_or_default()
    };
    let dist = |ind: &str, group: &str| -> serde_json::Value {
        snapshot["distributions"]
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["indicator"] == ind && d["wave"] == 2026 && d["group"] == group)
            .cloned()
            .unwrap_or_default()
    };
    assert_eq!(snapshot["waves"], serde_json::json!([2025, 2026]));

    // Members: 10, 20, 20, 30, 40, 50 → P25 20, median 25, P75 37.5.
    assert_eq!(
        dist("UYE", "all")["stats"],
        serde_json::json!({"n": 6, "min": 10.0, "p25": 20.0, "median": 25.0, "p75": 37.5, "max": 50.0})
    );
    assert_eq!(
        value("k2", "UYE", 2026)["percentile"],
        33.3,
        "ties count half"
    );
    assert_eq!(value("k3", "UYE", 2026)["percentile"], 33.3);
    assert_eq!(value("k1", "UYE", 2026)["light"], "red");
    assert_eq!(value("k2", "UYE", 2026)["light"], "yellow");
    assert_eq!(value("k6", "UYE", 2026)["light"], "green");
    assert_eq!(
        value("k1", "UYE", 2026)["change"],
        2.0,
        "since the previous wave"
    );
    // Peer groups: five developing clusters are enough, one mature is not.
    assert_eq!(dist("UYE", "maturity:gelisen")["stats"]["n"], 5);
    assert_eq!(
        dist("UYE", "maturity:olgun")["stats"],
        serde_json::Value::Null
    );

    // Public share (lower is better): 50, 10, 10, 40, 30; k4 gave no budget.
    assert_eq!(dist("KAMU", "all")["stats"]["n"], 5);
    assert_eq!(dist("KAMU", "all")["stats"]["p25"], 10.0);
    assert_eq!(dist("KAMU", "all")["stats"]["median"], 30.0);
    assert_eq!(
        value("k2", "KAMU", 2026)["light"],
        "green",
        "reversed direction"
    );
    assert_eq!(value("k1", "KAMU", 2026)["light"], "red");
    assert_eq!(
        value("k4", "KAMU", 2026)["value"],
        serde_json::Value::Null,
        "missing answers give no value"
    );

    // Member satisfaction: k1 has five firms (mean 4.2), k2 three (withheld).
    assert_eq!(value("k1", "MEMNUN", 2026)["value"], 4.2);
    assert_eq!(value("k1", "MEMNUN", 2026)["n"], 5);
    assert_eq!(value("k2", "MEMNUN", 2026)["suppressed"], true);
    assert_eq!(
        value("k2", "MEMNUN", 2026)["value"],
        serde_json::Value::Null
    );
    assert_eq!(value("k2", "MEMNUN", 2026)["n"], 3);

    // Needs: all six (egitim 4 of 6 → 66.7 %), agencies five (3 of 5 → 60 %), the chamber alone withheld.
    let needs = |group: &str| {
        snapshot["needs"]
            .as_array()
            .unwrap()
            .iter()
            .find(|g| g["group"] == group)
            .cloned()
            .unwrap()
    };
    let share = |g: &serde_json::Value, code: &str| {
        g["shares"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["code"] == code)
            .map(|s| s["share"].clone())
    };
    assert_eq!(needs("all")["n"], 6);
    assert_eq!(
        share(&needs("all"), "egitim"),
        Some(serde_json::json!(66.7))
    );
    assert_eq!(
        share(&needs("tur:ajans"), "egitim"),
        Some(serde_json::json!(60.0))
    );
    assert_eq!(
        needs("tur:oda")["shares"],
        serde_json::json!([]),
        "one respondent is withheld"
    );

    // The pages.
    let public = site.root.join("public");
    kume(&[
        "build",
        "--root",
        &root,
        "--out",
        public.to_str().unwrap(),
        "--aggregates",
        out.join("aggregates.json").to_str().unwrap(),
    ]);
    let k1 = std::fs::read_to_string(public.join("kumeler/k1/index.html")).unwrap();
    assert!(
        k1.contains("Kırmızı: en alt çeyrekte"),
        "traffic lights have text"
    );
    assert!(
        k1.contains("Örnek veri: bu küme"),
        "sample data is labelled"
    );
    assert!(k1.contains("4,2"), "Turkish number format");
    assert!(k1.contains("2025: 8 · 2026: 10"), "the trend over waves");
    let needs_page = std::fs::read_to_string(public.join("ihtiyaclar/index.html")).unwrap();
    assert!(
        needs_page.contains("<th scope=\"row\">Eğitim</th><td>%66,7</td><td>4</td>"),
        "{needs_page}"
    );
    assert!(needs_page.contains("Kurum türü: Oda"));
    // Each need links to the guidebook page that answers it (`answered_by`), in the language.
    assert!(
        needs_page.contains("<td><a href=\"/hakkinda/\">"),
        "{needs_page}"
    );
    assert!(
        std::fs::read_to_string(public.join("en/needs/index.html"))
            .unwrap()
            .contains("<td><a href=\"/en/about/\">")
    );
    let k2 = std::fs::read_to_string(public.join("kumeler/k2/index.html")).unwrap();
    assert!(k2.contains("Yeterli yanıt yok"));
    assert!(
        std::fs::read_to_string(public.join("kiyaslama/uye/index.html"))
            .unwrap()
            .contains("<svg class=\"distribution\"")
    );
    assert!(
        public.join("veri/aggregates.json").exists()
            && public.join("veri/indicators/UYE.csv").exists()
    );
    // The directory narrows down without JavaScript: one page per maturity stage, province…
    let developing =
        std::fs::read_to_string(public.join("kumeler/olgunluk/gelisen/index.html")).unwrap();
    assert!(developing.contains("Deneme Kümesi 5") && !developing.contains("Deneme Kümesi 6"));
    // Each cluster's lights summarised for local committees: k1 is red on members and public share.
    assert!(
        developing.contains("<td>0 yeşil, 0 sarı, 2 kırmızı</td>"),
        "{developing}"
    );
    // The maturity page summarises its peer group: developing members 10, 20, 20, 30, 40 →
    // median 20, P25–P75 20 – 30, beside the national median 25; one mature cluster is withheld.
    assert!(
        developing.contains("<td>5</td><td>20</td><td>20 – 30</td>\n        <td>25</td>"),
        "{developing}"
    );
    let mature = std::fs::read_to_string(public.join("kumeler/olgunluk/olgun/index.html")).unwrap();
    assert!(mature.contains("<td>1</td><td colspan=\"2\">Yeterli küme yok</td>"));
    assert!(
        std::fs::read_to_string(public.join("kiyaslama/uye/index.html"))
            .unwrap()
            .contains("Örnek veri: bu sonuçlar"),
        "statistics mixing in a sample cluster say so"
    );
    assert!(
        k1.contains("<svg class=\"trend\""),
        "the trend is drawn as well as written"
    );
    assert!(
        std::fs::read_to_string(public.join("kumeler/il/tr831/index.html"))
            .unwrap()
            .contains("Deneme Kümesi 6")
    );
    assert!(
        std::fs::read_to_string(public.join("en/clusters/maturity/mature/index.html"))
            .unwrap()
            .contains("Test Cluster 6")
    );
    for entry in walkdir::WalkDir::new(&public)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
    {
        let text = std::fs::read_to_string(entry.path()).unwrap_or_default();
        assert!(
            !text.contains("GIZLI-NOT-7731") && !text.contains("GIZLI-GORUS-5150"),
            "free text published in {}",
            entry.path().display()
        );
    }
    // Kept for CI's HTML and accessibility checks of the pages with results.
    let keep = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("benchmark-site");
    let _ = std::fs::remove_dir_all(&keep);
    for entry in walkdir::WalkDir::new(&public)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
    {
        let dest = keep.join(entry.path().strip_prefix(&public).unwrap());
        std::fs::create_dir_all(dest.parent().unwrap()).unwrap();
        std::fs::copy(entry.path(), dest).unwrap();
    }
}

#[test]
fn a_need_linked_to_a_missing_guidebook_page_is_an_error() {
    let site = TestSite::fixture("benchmark");
    site.write(
        "site/data/needs.yaml",
        "survey: ihtiyac\ngroup_by: [tur]\nquestions: [ihtiyac]\nanswered_by:\n  ihtiyac:\n    egitim: rehber/yok.md\n",
    );
    site.kume(&["check"])
        .assert_code(1)
        .assert_stderr_has("site/data/needs.yaml: error: answered_by.ihtiyac.egitim: the file site/content/rehber/yok.md does not exist")
        .assert_stderr_has("help: name a Markdown file under site/content/");
}

#[test]
fn pages_without_results_say_so_and_lead_to_the_benchmark() {
    let site = TestSite::fixture("benchmark");
    site.build();
    let read = |p: &str| std::fs::read_to_string(site.root.join("public").join(p)).unwrap();
    let k1 = read("kumeler/k1/index.html");
    assert!(
        k1.contains("<a href=\"/kiyaslama/\">Ulusal Kıyaslama Sistemi: göstergeler"),
        "{k1}"
    );
    assert!(
        read("en/clusters/k1/index.html")
            .contains("<a href=\"/en/benchmark/\">National Benchmarking System: indicators")
    );
    // An indicator page speaks of the indicator, not of a cluster.
    assert!(
        read("kiyaslama/uye/index.html").contains("Bu gösterge için henüz yayımlanmış sonuç yok.")
    );
}

/// Waits until the hook has been called `count` times (20 s at most).
fn wait_for_calls(seen: &std::sync::Mutex<Vec<String>>, count: usize) {
    let start = std::time::Instant::now();
    while seen.lock().unwrap().len() < count {
        assert!(
            start.elapsed() < std::time::Duration::from_secs(20),
            "the hook was called {} times, not {count}",
            seen.lock().unwrap().len()
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
}

#[test]
fn the_build_hook_fires_only_when_the_published_snapshot_changed() {
    let (url, seen) = crate::production::hook_listener();
    let site = TestSite::fixture("benchmark");
    let db = site.root.join("data/kume.sqlite");
    let db_arg = db.to_str().unwrap().to_string();
    let tokens = invite(&site, &db_arg, "yonetici", "cluster\nk1\nk2\nk3\n");
    let hook_file = site.root.join("build-hook-url");
    std::fs::write(&hook_file, format!("{url}\n")).unwrap();
    let server = Server::start(
        &site,
        &[
            "--api-only",
            "--db",
            &db_arg,
            "--rate-limit",
            "0",
            "--build-hook-url-file",
            hook_file.to_str().unwrap(),
            "--build-hook-delay",
            "2",
        ],
    );
    // Three answers inside one window: one call.
    for (token, members) in tokens.iter().zip([10, 20, 30]) {
        submit(&server, "yonetici", token, &format!("uye={members}"));
    }
    wait_for_calls(&seen, 1);
    // The same answer again, and an edit of a note no figure uses: the snapshot's bytes stay
    // the same, so the site is not rebuilt.
    submit(&server, "yonetici", &tokens[0], "uye=10");
    submit(&server, "yonetici", &tokens[1], "uye=20&notlar=yeni");
    std::thread::sleep(std::time::Duration::from_millis(6000));
    assert_eq!(seen.lock().unwrap().len(), 1, "nothing published changed");
    // A changed figure opens a new window.
    submit(&server, "yonetici", &tokens[2], "uye=31");
    wait_for_calls(&seen, 2);
}

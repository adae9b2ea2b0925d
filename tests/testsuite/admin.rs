//! The operator's side of the collector against the real binary and a real SQLite file:
//! exports for analysts (codebook, SPSS, R), the answering period in the survey's time zone,
//! erasure that leaves nothing readable, secrets kept off the command line, backups under
//! load, and the lock that keeps `restore` away from a running collector.

use std::path::{Path, PathBuf};

use crate::harness::{Server, TestSite, repo, request};

const FORM: (&str, &str) = ("Content-Type", "application/x-www-form-urlencoded");
const PATH: &str = "/api/v1/surveys/deneme/responses";

fn fixture_survey() -> String {
    std::fs::read_to_string(repo().join("tests/fixtures/surveys/deneme.yaml")).unwrap()
}

/// The test site with `survey` as `surveys/deneme.yaml` and the database path to use.
fn site_with(survey: &str) -> (TestSite, PathBuf) {
    let site = TestSite::base();
    site.write("surveys/deneme.yaml", survey);
    let db = site.root.join("data/responses.sqlite");
    (site, db)
}

fn serve(site: &TestSite, db: &Path, env: &[(&str, &str)]) -> Server {
    Server::start_with_env(site, &["--db", db.to_str().unwrap()], env)
}

fn post(server: &Server, body: &str) -> u16 {
    request(server.addr, "POST", PATH, &[FORM], body.as_bytes()).0
}

// ---------------------------------------------------------------------------------------
// The answering period in the survey's time zone.

/// The fixture survey open through June 2026 (and `timezone:` when given).
fn june_survey(timezone: Option<&str>) -> String {
    let mut text = fixture_survey()
        .replace("opens: 2026-01-01", "opens: 2026-06-01")
        .replace("closes: 2026-12-31", "closes: 2026-06-30");
    if let Some(tz) = timezone {
        text = text.replace("opens:", &format!("timezone: {tz}\nopens:"));
    }
    text
}

#[test]
fn a_survey_closing_today_in_istanbul_still_accepts_at_half_past_eleven_at_night() {
    let (site, db) = site_with(&june_survey(None));
    // 23:30 in Istanbul on the closing day is 20:30 UTC.
    let server = serve(&site, &db, &[("KUME_NOW", "2026-06-30T20:30:00Z")]);
    assert_eq!(post(&server, "uye_mi=hayir&_lang=tr&_key=late"), 303);
    drop(server);
    // 00:30 on 1 July in Istanbul is still 30 June in UTC: closed all the same.
    let server = serve(&site, &db, &[("KUME_NOW", "2026-06-30T21:30:00Z")]);
    assert_eq!(post(&server, "uye_mi=hayir&_lang=tr&_key=too-late"), 410);
    drop(server);
    // 00:30 on the opening day in Istanbul is the day before in UTC: already open.
    let server = serve(&site, &db, &[("KUME_NOW", "2026-05-31T21:30:00Z")]);
    assert_eq!(post(&server, "uye_mi=hayir&_lang=tr&_key=early"), 303);
}

#[test]
fn a_configured_time_zone_moves_the_day_boundary() {
    let (site, db) = site_with(&june_survey(Some("America/New_York")));
    // 23:30 on 30 June in New York is 03:30 UTC on 1 July.
    let server = serve(&site, &db, &[("KUME_NOW", "2026-07-01T03:30:00Z")]);
    assert_eq!(post(&server, "uye_mi=hayir&_lang=tr&_key=ny"), 303);
}

#[test]
fn an_unknown_time_zone_is_a_compile_error_with_its_place_and_a_suggestion() {
    let (site, _) = site_with(&june_survey(Some("Europe/Istambul")));
    let run = site.kume(&["check"]);
    run.assert_code(1);
    run.assert_stderr_has(
        "surveys/deneme.yaml:8:11: error: `timezone: Europe/Istambul` is not a known time zone",
    );
    run.assert_stderr_has("help: did you mean `Europe/Istanbul`?");
}

// ---------------------------------------------------------------------------------------
// Exports for analysts.

/// A survey with every kind of coded answer: a single choice, a multi-select with "other",
/// a Likert item, numbers with a unit, and free text.
const ANALYSIS_SURVEY: &str = r#"id: analiz
version: "1"
wave: 2026
languages: [tr, en]
title: {tr: "Analiz anketi", en: "Analysis survey"}
audience: public
access: open
opens: 2020-01-01
closes: 2099-12-31
thanks: {tr: "Teşekkürler.", en: "Thank you."}
lists:
  evet_hayir:
    - {code: evet, label: {tr: "Evet", en: "Yes"}}
    - {code: hayir, label: {tr: "Hayır", en: "No"}}
  destekler:
    - {code: finansman, label: {tr: "Finansman", en: "Funding"}}
    - {code: egitim, label: {tr: "Eğitim", en: "Training"}}
    - {code: diger, label: {tr: "Diğer", en: "Other"}, other: true}
  katilim:
    - {code: "1", label: {tr: "Katılmıyorum", en: "Disagree"}}
    - {code: "2", label: {tr: "Kararsızım", en: "Undecided"}}
    - {code: "3", label: {tr: "Katılıyorum", en: "Agree"}}
sections:
  - id: genel
    title: {tr: "Genel", en: "General"}
    questions:
      - id: uye_mi
        type: select_one
        label: {tr: "Üye misiniz?", en: "Are you a member?"}
        list: evet_hayir
        required: true
      - id: calisan
        type: integer
        label: {tr: "Çalışan sayısı", en: "Employees"}
        unit: persons
      - id: pay
        type: decimal
        label: {tr: "İhracatın payı", en: "Share of exports"}
      - id: destek
        type: select_many
        label: {tr: "Hangi destekler?", en: "Which kinds of support?"}
        list: destekler
      - id: gorus
        type: likert
        label: {tr: "Görüşünüz", en: "Your view"}
        list: katilim
        rows:
          - {id: hizmet, label: {tr: "Hizmetler yeterli", en: "Services are sufficient"}}
          - {id: iletisim, label: {tr: "İletişim iyi", en: "Communication is good"}}
      - id: aciklama
        type: textarea
        label: {tr: "Açıklama", en: "Comments"}
"#;

const ANALYSIS_PATH: &str = "/api/v1/surveys/analiz/responses";

/// The analysis survey with three final answers (one with a very long comment), and its
/// database.
fn analysed() -> (TestSite, PathBuf, String) {
    let site = TestSite::base();
    site.write("surveys/analiz.yaml", ANALYSIS_SURVEY);
    let db = site.root.join("data/responses.sqlite");
    let server = serve(&site, &db, &[]);
    let bodies = [
        "uye_mi=evet&calisan=12&pay=2,5&destek=finansman&destek=diger&destek.other=Dan%C4%B1%C5%9Fmanl%C4%B1k&gorus.hizmet=1&gorus.iletisim=3&aciklama=%C4%B0yi%2C+%22g%C3%BCzel%22&_lang=tr&_key=a1".to_string(),
        "uye_mi=hayir&calisan=3&pay=40&destek=egitim&gorus.hizmet=3&gorus.iletisim=3&_lang=tr&_key=a2".to_string(),
        "uye_mi=evet&calisan=250&destek=egitim&destek=finansman&gorus.hizmet=2&aciklama=k%C4%B1sa&_lang=en&_key=a3".to_string(),
    ];
    for body in &bodies {
        let (status, _, page) =
            request(server.addr, "POST", ANALYSIS_PATH, &[FORM], body.as_bytes());
        assert_eq!(status, 303, "{page}");
    }
    // The collector refuses answers this long today; a database from before its field limit
    // can still hold one, and the export must cope.
    let long = format!("Uzun {}", "ç".repeat(40_000));
    let conn = rusqlite::Connection::open(&db).unwrap();
    conn.execute(
        "UPDATE responses SET answers = json_set(answers, '$.aciklama', ?1) WHERE idem_key = 'a:a3'",
        [&long],
    )
    .unwrap();
    (site, db, long)
}

/// Runs `kume export` on the analysis survey; (exit code, stdout bytes, stderr).
fn export(site: &TestSite, db: &Path, args: &[&str]) -> (i32, Vec<u8>, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_kume"))
        .args(["export", "--root"])
        .arg(&site.root)
        .args(["--db", db.to_str().unwrap(), "--survey", "analiz"])
        .args(args)
        .env("CI", "1")
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        out.stdout,
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[cfg(unix)]
fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[test]
fn the_codebook_gives_type_unit_and_every_code_in_both_languages() {
    let (site, db, _) = analysed();
    let out = site.root.join("analiz.csv");
    let (code, _, err) = export(&site, &db, &["--out", out.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    let codebook = std::fs::read_to_string(site.root.join("analiz.codebook.csv")).unwrap();
    for row in [
        "column,label_tr,label_en,type,unit,code,code_label_tr,code_label_en",
        "uye_mi,Üye misiniz?,Are you a member?,select_one,,evet,Evet,Yes",
        "uye_mi,Üye misiniz?,Are you a member?,select_one,,hayir,Hayır,No",
        "calisan,Çalışan sayısı,Employees,integer,persons,,,",
        "destek.finansman,Hangi destekler?: Finansman,Which kinds of support?: Funding,select_many,,1,Seçildi,Chosen",
        "destek.other,Hangi destekler?: Diğer,Which kinds of support?: Other,text,,,,",
        "gorus.iletisim,Görüşünüz: İletişim iyi,Your view: Communication is good,likert,,3,Katılıyorum,Agree",
        "lang,Yanıt dili,Language of the answers,language,,en,İngilizce,English",
    ] {
        assert!(codebook.contains(row), "missing `{row}` in:\n{codebook}");
    }
    let csv = std::fs::read_to_string(&out).unwrap();
    assert!(csv.contains(",destek.finansman,destek.egitim,destek.diger,destek.other,gorus.hizmet,gorus.iletisim,aciklama"), "{csv}");
    assert!(
        csv.contains(",evet,12,2.5,1,0,1,Danışmanlık,1,3,\"İyi, \"\"güzel\"\"\""),
        "{csv}"
    );
    assert!(
        err.contains("analiz.sps") && err.contains("analiz.R"),
        "{err}"
    );
}

#[test]
fn long_text_is_cut_with_a_marker_in_xlsx_and_kept_whole_in_csv_and_json() {
    let (site, db, long) = analysed();
    let csv = site.root.join("analiz.csv");
    assert_eq!(export(&site, &db, &["--out", csv.to_str().unwrap()]).0, 0);
    assert!(std::fs::read_to_string(&csv).unwrap().contains(&long));
    let (code, json, err) = export(&site, &db, &["--format", "json", "--out", "-"]);
    assert_eq!(code, 0, "{err}");
    let list: serde_json::Value = serde_json::from_slice(&json).unwrap();
    assert_eq!(list[2]["answers"]["aciklama"], long.as_str());
    let xlsx = site.root.join("analiz.xlsx");
    let (code, _, err) = export(
        &site,
        &db,
        &["--format", "xlsx", "--out", xlsx.to_str().unwrap()],
    );
    assert_eq!(code, 0, "{err}");
    let sheet = xlsx_sheet(&xlsx, "xl/worksheets/sheet1.xml");
    let marker = "… [kesildi: metnin tamamı (40005 karakter) CSV ve JSON dışa aktarımında / cut: the whole text (40005 characters) is in the CSV and JSON exports]";
    let shared = xlsx_sheet(&xlsx, "xl/sharedStrings.xml");
    assert!(
        shared.contains(marker) || sheet.contains(marker),
        "the cut is visible in the cell"
    );
    assert!(!shared.contains(&long) && !sheet.contains(&long));
}

/// One part of an .xlsx package (a zip), read with the `unzip` tool or Python's zipfile.
fn xlsx_sheet(xlsx: &Path, part: &str) -> String {
    let out = std::process::Command::new("python3")
        .args([
            "-c",
            "import sys, zipfile; z = zipfile.ZipFile(sys.argv[1]); n = sys.argv[2]; sys.stdout.write(z.read(n).decode() if n in z.namelist() else '')",
        ])
        .arg(xlsx)
        .arg(part)
        .output()
        .expect("python3 reads the workbook");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn the_json_export_carries_each_response_survey_hash_and_goes_to_stdout() {
    let (site, db, _) = analysed();
    // The survey changes after the answers: each response keeps the hash it was checked with.
    site.write(
        "surveys/analiz.yaml",
        &ANALYSIS_SURVEY.replace("Çalışan sayısı", "Çalışan sayısı (kişi)"),
    );
    let (code, json, err) = export(&site, &db, &["--format", "json", "--out", "-"]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("to standard output"), "{err}");
    let list: serde_json::Value = serde_json::from_slice(&json).unwrap();
    let conn = rusqlite::Connection::open(&db).unwrap();
    let stored: String = conn
        .query_row(
            "SELECT hash FROM responses WHERE idem_key = 'a:a1'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(list.as_array().unwrap().len(), 3);
    assert_eq!(list[0]["hash"], stored.as_str());
    assert_eq!(stored.len(), 16);
    // Nothing lands beside a file that was never written.
    assert!(!site.root.join("-").exists());
    assert!(!site.root.join("-.codebook.csv").exists());
    let (code, csv, _) = export(&site, &db, &["--out", "-"]);
    assert_eq!(code, 0);
    assert!(
        String::from_utf8(csv)
            .unwrap()
            .starts_with("\u{feff}response_id,wave,lang")
    );
}

#[test]
fn an_unknown_format_is_refused_by_the_command_line() {
    let (site, db) = site_with(&fixture_survey());
    let (code, _, err) = export(&site, &db, &["--format", "ods", "--out", "-"]);
    assert_eq!(code, 2);
    assert!(
        err.contains("invalid value 'ods' for '--format <FORMAT>'"),
        "{err}"
    );
    assert!(err.contains("[possible values: csv, xlsx, json]"), "{err}");
}

#[cfg(unix)]
#[test]
fn exports_and_invitation_links_are_readable_by_their_owner_only() {
    let (site, db, _) = analysed();
    let out = site.root.join("analiz.csv");
    // An existing file with a wide mode is narrowed as well.
    std::fs::write(&out, "old").unwrap();
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&out, std::fs::Permissions::from_mode(0o644)).unwrap();
    }
    assert_eq!(export(&site, &db, &["--out", out.to_str().unwrap()]).0, 0);
    for file in [
        "analiz.csv",
        "analiz.codebook.csv",
        "analiz.sps",
        "analiz.R",
    ] {
        assert_eq!(mode(&site.root.join(file)), 0o600, "{file}");
    }
    let xlsx = site.root.join("analiz.xlsx");
    assert_eq!(
        export(
            &site,
            &db,
            &["--format", "xlsx", "--out", xlsx.to_str().unwrap()]
        )
        .0,
        0
    );
    assert_eq!(mode(&xlsx), 0o600);
    let json = site.root.join("analiz.json");
    assert_eq!(
        export(
            &site,
            &db,
            &["--format", "json", "--out", json.to_str().unwrap()]
        )
        .0,
        0
    );
    assert_eq!(mode(&json), 0o600);
    let invitation = fixture_survey().replace("access: open", "access: invitation");
    site.write("surveys/deneme.yaml", &invitation);
    let links = site.root.join("links.csv");
    let run = site.kume(&[
        "invite",
        "--db",
        db.to_str().unwrap(),
        "--survey",
        "deneme",
        "--cluster",
        "samsun-makina",
        "--base-url",
        "https://toplama.example.org",
        "--out",
        links.to_str().unwrap(),
    ]);
    run.assert_code(0);
    assert_eq!(mode(&links), 0o600);
}

/// Whether an outside tool is installed; in CI (`CI=true`) a missing tool fails the test,
/// elsewhere the test says plainly that it skipped.
fn tool(name: &str) -> bool {
    let found = std::process::Command::new(name)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        let ci = std::env::var("CI").is_ok_and(|v| v == "true" || v == "1");
        assert!(
            !ci,
            "{name} is needed in CI: .ci/test installs it (apt-get install pspp r-base-core)"
        );
        eprintln!(
            "SKIPPED: {name} is not installed (sudo apt-get install pspp r-base-core); CI runs this check"
        );
    }
    found
}

/// An export in `dir` (comma or semicolon CSV) with its SPSS and R files.
fn export_for_tools(semicolon: bool, lang: &str) -> (TestSite, PathBuf) {
    let (site, db, _) = analysed();
    let dir = site.root.join(if semicolon { "tr-excel" } else { "plain" });
    std::fs::create_dir_all(&dir).unwrap();
    let out = dir.join("analiz.csv");
    let mut args = vec!["--out", out.to_str().unwrap(), "--lang", lang];
    if semicolon {
        args.push("--semicolon");
    }
    let (code, _, err) = export(&site, &db, &args);
    assert_eq!(code, 0, "{err}");
    (site, dir)
}

fn run_in(dir: &Path, program: &str, args: &[&str]) -> String {
    let out = std::process::Command::new(program)
        .args(args)
        .current_dir(dir)
        .env("LC_ALL", "C.UTF-8")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(
        out.status.success(),
        "{program} {args:?} failed:\n{stdout}\n{stderr}"
    );
    format!("{stdout}{stderr}")
}

#[test]
fn pspp_reads_the_csv_export_with_its_variable_and_value_labels() {
    if !tool("pspp") {
        return;
    }
    for semicolon in [false, true] {
        let (_site, dir) = export_for_tools(semicolon, "tr");
        let output = run_in(
            &dir,
            "pspp",
            &["-O", "format=txt", "-o", "out.txt", "analiz.sps"],
        );
        let listing = std::fs::read_to_string(dir.join("out.txt")).unwrap_or(output);
        for expected in [
            "Üye misiniz?",
            "Hayır",
            "Görüşünüz: İletişim iyi",
            "Katılıyorum",
            "Seçildi",
        ] {
            assert!(
                listing.contains(expected),
                "missing `{expected}` in:\n{listing}"
            );
        }
        assert!(!listing.contains("error"), "{listing}");
        assert!(!listing.contains("warning"), "{listing}");
        // The data as read: three cases and numbers with their decimals.
        let check = dir.join("check.sps");
        std::fs::write(
            &check,
            "INCLUDE FILE='analiz.sps'.\nDESCRIPTIVES VARIABLES=calisan pay.\nFREQUENCIES VARIABLES=uye_mi destek.finansman.\n",
        )
        .unwrap();
        let output = run_in(
            &dir,
            "pspp",
            &["-O", "format=txt", "-o", "check.txt", "check.sps"],
        );
        let stats = std::fs::read_to_string(dir.join("check.txt")).unwrap_or(output);
        assert!(
            stats.contains("88.33") || stats.contains("88,33"),
            "mean of 12, 3, 250: {stats}"
        );
        assert!(
            stats.contains("21.25") || stats.contains("21,25"),
            "mean share (2.5+40)/2: {stats}"
        );
        assert!(
            !stats.contains("error") && !stats.contains("warning"),
            "{stats}"
        );
    }
}

#[test]
fn r_reads_the_csv_export_as_labelled_factors() {
    if !tool("Rscript") {
        return;
    }
    for semicolon in [false, true] {
        let (_site, dir) = export_for_tools(semicolon, "en");
        let output = run_in(&dir, "Rscript", &["analiz.R"]);
        assert!(output.contains("3 responses"), "{output}");
        assert!(output.contains("uye_mi: Are you a member?"), "{output}");
        assert!(
            output.contains("gorus.iletisim: Your view: Communication is good"),
            "{output}"
        );
        let check = dir.join("check.R");
        std::fs::write(
            &check,
            "source('analiz.R')\nstopifnot(nrow(kume) == 3)\nstopifnot(identical(as.vector(table(kume$uye_mi)), c(2L, 1L)))\nstopifnot(levels(kume$uye_mi) == c('Yes', 'No'))\nstopifnot(sum(kume$calisan) == 265)\nstopifnot(isTRUE(all.equal(kume$pay[1], 2.5)))\nstopifnot(attr(kume$calisan, 'label') == 'Employees')\nstopifnot(nchar(kume$aciklama[3]) == 40005)\ncat('checked\\n')\n",
        )
        .unwrap();
        let output = run_in(&dir, "Rscript", &["check.R"]);
        assert!(output.contains("checked"), "{output}");
    }
}

// ---------------------------------------------------------------------------------------
// Data at rest: erasure, secrets, backups.

/// Runs `kume <args>` with `stdin` on its standard input; (exit code, stderr).
fn kume_with_stdin(args: &[&str], stdin: &str) -> (i32, String) {
    use std::io::Write;
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_kume"))
        .args(args)
        .env("CI", "1")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

/// The database file and its write-ahead log, as raw bytes.
fn raw_files(db: &Path) -> Vec<(String, Vec<u8>)> {
    ["", "-wal"]
        .iter()
        .map(|suffix| {
            let path = PathBuf::from(format!("{}{suffix}", db.display()));
            (
                path.display().to_string(),
                std::fs::read(&path).unwrap_or_default(),
            )
        })
        .collect()
}

#[test]
fn erase_leaves_nothing_readable_in_the_database_or_its_log() {
    let invitation = fixture_survey().replace("access: open", "access: invitation");
    let (site, db) = site_with(&invitation);
    let server = serve(&site, &db, &[]);
    let links = site.kume(&[
        "invite",
        "--db",
        db.to_str().unwrap(),
        "--survey",
        "deneme",
        "--cluster",
        "samsun-makina",
        "--base-url",
        "https://toplama.example.org",
    ]);
    links.assert_code(0);
    let token = crate::harness::invitation_tokens(&links.stdout).remove(0);
    // A draft, then the final answer: the history holds the first version too.
    let unique = "Zümrütçülerx7q";
    for (aktif, action) in [("1", "&_action=draft"), ("2", "")] {
        let body =
            format!("uye_mi=evet&uye_sayisi=5&aktif_uye={aktif}&_lang=tr&_token={token}{action}");
        assert_eq!(post(&server, &body), 303);
    }
    // The unique string in the stored answers (the fixture has no free-text question).
    let conn = rusqlite::Connection::open(&db).unwrap();
    conn.execute(
        "UPDATE responses SET answers = json_set(answers, '$.not', ?1)",
        [format!("{unique} {}", "dolgu ".repeat(200))],
    )
    .unwrap();
    drop(conn);
    assert!(
        raw_files(&db)
            .iter()
            .any(|(_, bytes)| contains(bytes, unique)),
        "the answer is on disk before the erasure"
    );
    let (code, err) = kume_with_stdin(
        &[
            "erase",
            "--root",
            site.root.to_str().unwrap(),
            "--db",
            db.to_str().unwrap(),
            "--token",
            "-",
        ],
        &format!("{token}\n"),
    );
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("Erased 1 response and the invitation"),
        "{err}"
    );
    for (file, bytes) in raw_files(&db) {
        assert!(
            !contains(&bytes, unique),
            "{file} still holds the erased answer"
        );
    }
    assert_eq!(
        post(&server, &format!("uye_mi=hayir&_lang=tr&_token={token}")),
        403
    );
}

#[test]
fn tokens_and_hook_addresses_are_not_taken_on_the_command_line() {
    let (site, db) = site_with(&fixture_survey());
    let run = site.kume(&["erase", "--db", db.to_str().unwrap(), "--token", "0123abcd"]);
    run.assert_code(2);
    run.assert_stderr_has("the token is not taken on the command line");
    let run = site.kume(&["erase", "--db", db.to_str().unwrap()]);
    run.assert_code(2);
    let run = site.kume(&[
        "serve",
        "--db",
        db.to_str().unwrap(),
        "--build-hook-url",
        "https://api.netlify.com/build_hooks/x",
    ]);
    run.assert_code(2);
    run.assert_stderr_has("unexpected argument '--build-hook-url'");
    let (code, err) = kume_with_stdin(
        &["erase", "--db", db.to_str().unwrap(), "--token", "-"],
        "\n",
    );
    assert_eq!(code, 3);
    assert!(err.contains("error: no token was given"), "{err}");
}

#[test]
fn a_backup_taken_under_continuous_writes_finishes_and_restores() {
    let (site, db) = site_with(&fixture_survey());
    let server = serve(&site, &db, &[]);
    assert_eq!(post(&server, "uye_mi=hayir&_lang=tr&_key=first"), 303);
    drop(server);
    // Enough rows that a page-by-page copy takes many steps (a few megabytes).
    let conn = rusqlite::Connection::open(&db).unwrap();
    conn.execute_batch(&format!(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 6000)
         INSERT INTO responses (id, survey, hash, wave, idem_key, payload_hash, status, lang, answers, received_at)
         SELECT 'fill-' || i, 'deneme', 'h', 2026, 'fill-' || i, 'p', 'final', 'tr', '{{\"not\": \"{}\"}}', '2026-01-01T00:00:00Z' FROM n;",
        "x".repeat(1000)
    ))
    .unwrap();
    drop(conn);
    let server = serve(&site, &db, &[]);
    let addr = server.addr;
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let writers: Vec<_> = (0..2)
        .map(|t| {
            let stop = stop.clone();
            std::thread::spawn(move || {
                let mut n = 0;
                while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                    let body = format!("uye_mi=hayir&_lang=tr&_key=w{t}-{n}");
                    request(addr, "POST", PATH, &[FORM], body.as_bytes());
                    n += 1;
                }
                n
            })
        })
        .collect();
    std::thread::sleep(std::time::Duration::from_millis(300));
    let copy = site.root.join("backup.sqlite");
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_kume"))
        .args([
            "backup",
            "--db",
            db.to_str().unwrap(),
            "--to",
            copy.to_str().unwrap(),
        ])
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let start = std::time::Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break Some(status);
        }
        if start.elapsed() > std::time::Duration::from_secs(30) {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    };
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let sent: usize = writers.into_iter().map(|w| w.join().unwrap()).sum();
    assert!(
        sent > 10,
        "the writers kept writing during the backup ({sent})"
    );
    assert!(
        status.is_some_and(|s| s.success()),
        "the backup did not finish within 30 s under write load"
    );
    drop(server);
    let restored = site.root.join("restored/kume.sqlite");
    crate::harness::kume_ok(&[
        "restore",
        "--from",
        copy.to_str().unwrap(),
        "--db",
        restored.to_str().unwrap(),
    ]);
    let conn = rusqlite::Connection::open(&restored).unwrap();
    let n: i64 = conn
        .query_row("SELECT count(*) FROM responses", [], |r| r.get(0))
        .unwrap();
    assert!(n >= 6001, "{n} responses restored");
    #[cfg(unix)]
    assert_eq!(mode(&copy), 0o600, "a backup holds every answer");
}

// ---------------------------------------------------------------------------------------
// The restore lock.

#[test]
fn restore_refuses_while_a_collector_holds_the_database_even_with_force() {
    let (site, db) = site_with(&fixture_survey());
    let server = serve(&site, &db, &[]);
    assert_eq!(post(&server, "uye_mi=hayir&_lang=tr&_key=kept"), 303);
    let copy = site.root.join("backup.sqlite");
    crate::harness::kume_ok(&[
        "backup",
        "--db",
        db.to_str().unwrap(),
        "--to",
        copy.to_str().unwrap(),
    ]);
    for force in [false, true] {
        let mut args = vec![
            "restore",
            "--from",
            copy.to_str().unwrap(),
            "--db",
            db.to_str().unwrap(),
        ];
        if force {
            args.push("--force");
        }
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_kume"))
            .args(&args)
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(3), "{err}");
        assert!(
            err.contains(&format!(
                "error: {}: the database is in use by kume serve (process {},",
                db.display(),
                server.child.id()
            )),
            "{err}"
        );
        assert!(err.contains("--force does not override this"), "{err}");
    }
    // The collector kept its database and goes on storing.
    assert_eq!(post(&server, "uye_mi=hayir&_lang=tr&_key=after"), 303);
    // A second collector on the same database is refused as well.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_kume"))
        .args(["serve", "--api-only", "--addr", "127.0.0.1:0", "--root"])
        .arg(&site.root)
        .args(["--db", db.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&out.stderr).contains("is held by kume serve"));
    // Stopped, the collector no longer holds it: the restore goes through.
    drop(server);
    crate::harness::kume_ok(&[
        "restore",
        "--from",
        copy.to_str().unwrap(),
        "--db",
        db.to_str().unwrap(),
        "--force",
    ]);
    let conn = rusqlite::Connection::open(&db).unwrap();
    let n: i64 = conn
        .query_row("SELECT count(*) FROM responses", [], |r| r.get(0))
        .unwrap();
    assert_eq!(n, 1, "the backup's one response");
}

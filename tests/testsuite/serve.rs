//! `kume serve` on 127.0.0.1: serving, live reload and rebuilds on save.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use crate::harness::{Server, TestSite, get};

/// Polls `path` until its body satisfies `done` (bounded to 10 s).
fn wait_for(addr: SocketAddr, path: &str, done: impl Fn(u16, &str) -> bool) -> (u16, String) {
    let start = Instant::now();
    loop {
        let (status, body) = get(addr, path);
        if done(status, &body) {
            return (status, body);
        }
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "timed out waiting for {path}; last status {status}:\n{body}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn serves_pages_with_reload_script_and_language_404s() {
    let site = TestSite::fixture("features");
    let server = Server::start(&site, &[]);
    let (status, body) = get(server.addr, "/rehber/giris/");
    assert_eq!(status, 200);
    assert!(body.contains("<script src=\"/__kume/reload.js\" defer></script>"));
    let (status, body) = get(server.addr, "/__kume/reload.js");
    assert_eq!(status, 200);
    assert!(body.contains("/__kume/wait"));
    let (status, body) = get(server.addr, "/yok/");
    assert_eq!(status, 404);
    assert!(body.contains("<html lang=\"tr\">"));
    let (status, body) = get(server.addr, "/en/nothing/");
    assert_eq!(status, 404);
    assert!(body.contains("<html lang=\"en\">"));
    assert_eq!(get(server.addr, "/css/kume.css").0, 200);
    assert_ne!(get(server.addr, "/../Cargo.toml").0, 200);
}

#[test]
fn saving_a_page_rebuilds_it_and_wakes_the_reload_poll() {
    let site = TestSite::fixture("features");
    let server = Server::start(&site, &[]);
    let (_, version) = get(server.addr, "/__kume/wait");
    let addr = server.addr;
    let asked = version.clone();
    let poll = std::thread::spawn(move || get(addr, &format!("/__kume/wait?v={asked}")).1);

    let page = "site/content/rehber/giris.md";
    let text = std::fs::read_to_string(site.root.join(page)).unwrap();
    site.write(page, &format!("{text}\nYeni paragraf: işaret-7421.\n"));
    wait_for(server.addr, "/rehber/giris/", |s, b| {
        s == 200 && b.contains("işaret-7421")
    });
    let new_version = poll.join().unwrap();
    assert_ne!(
        new_version.trim(),
        version.trim(),
        "the long poll answered with the rebuilt version (it answers the old one after 25 s)"
    );

    // A front-matter change rebuilds the lists that show the page too.
    let text = std::fs::read_to_string(site.root.join(page)).unwrap();
    site.write(page, &text.replace("title: Giriş", "title: Başlangıç"));
    wait_for(server.addr, "/rehber/", |_, b| b.contains("Başlangıç"));
}

#[test]
fn errors_show_in_the_browser_until_fixed() {
    let site = TestSite::fixture("features");
    let server = Server::start(&site, &[]);
    let page = "site/content/hakkinda.md";
    let good = std::fs::read_to_string(site.root.join(page)).unwrap();
    site.write(page, &format!("{good}\n[kırık](yok.md)\n"));
    let (status, body) = wait_for(server.addr, "/hakkinda/", |s, _| s == 500);
    assert_eq!(status, 500);
    assert!(body.contains("site/content/hakkinda.md:"), "{body}");
    assert!(body.contains("yok.md"));
    site.write(page, &good);
    wait_for(server.addr, "/hakkinda/", |s, _| s == 200);
    // A link to a URL that is no page is checked against the static and generated files.
    site.write(page, &format!("{good}\n[kırık](/yok.css)\n"));
    let (status, body) = wait_for(server.addr, "/hakkinda/", |s, _| s == 500);
    assert_eq!(status, 500);
    assert!(
        body.contains("no page or file has the URL `/yok.css`"),
        "{body}"
    );
    site.write(page, &good);
    wait_for(server.addr, "/hakkinda/", |s, _| s == 200);
}

/// Edits the body of a page and waits for it; returns what the server logged meanwhile.
fn edit_and_wait(site: &TestSite, server: &Server, mark: &str) -> Vec<String> {
    append_and_wait(site, server, &format!("Yeni paragraf: {mark}."), mark)
}

/// Adds a block of Markdown that holds `mark` to a page's body and waits for the page.
fn append_and_wait(site: &TestSite, server: &Server, block: &str, mark: &str) -> Vec<String> {
    let page = site.root.join("site/content/rehber/giris.md");
    let text = std::fs::read_to_string(&page).unwrap();
    // Saved the way editors save: a whole new file moved over the old one, so the watcher
    // never sees the file half-written.
    let saved = page.with_file_name(".giris.md.tmp");
    std::fs::write(&saved, format!("{text}\n{block}\n")).unwrap();
    std::fs::rename(&saved, &page).unwrap();
    wait_for(server.addr, "/rehber/giris/", |s, b| {
        s == 200 && b.contains(mark)
    });
    // The page can be served a moment before the server's report of it is read.
    let start = Instant::now();
    while server.log.lock().unwrap().is_empty() && start.elapsed() < Duration::from_secs(5) {
        std::thread::sleep(Duration::from_millis(10));
    }
    server.log.lock().unwrap().clone()
}

#[test]
fn an_edited_page_takes_the_incremental_path_whatever_the_root_looks_like() {
    let site = TestSite::fixture("features");
    let parent = site.root.parent().unwrap().to_path_buf();
    let name = site.root.file_name().unwrap().to_str().unwrap().to_string();
    let absolute = site.root.to_str().unwrap().to_string();
    for (i, (cwd, root)) in [
        (site.root.clone(), ".".to_string()),
        (parent, name),
        (site.root.join("site"), absolute),
    ]
    .into_iter()
    .enumerate()
    {
        let server = Server::start_in(&cwd, &root, &[], &[]);
        let log = edit_and_wait(&site, &server, &format!("işaret-{i}"));
        assert!(
            log.iter().any(|l| l.starts_with("Updated 1 page")),
            "--root {root}: the edit rebuilt the whole site:\n{}",
            log.join("\n")
        );
    }
}

#[test]
fn a_full_rebuild_never_leaves_a_page_missing() {
    let site = TestSite::fixture("features");
    let server = Server::start(&site, &[]);
    let addr = server.addr;
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let polling = stop.clone();
    let poller = std::thread::spawn(move || {
        let mut missing = 0;
        let mut asked = 0;
        while !polling.load(std::sync::atomic::Ordering::Relaxed) {
            asked += 1;
            let (status, body) = get(addr, "/hakkinda/");
            // A page read while it is being written would be cut short.
            if status != 200 || !body.trim_end().ends_with("</html>") {
                missing += 1;
            }
        }
        (missing, asked)
    });
    // A template change is never incremental: every save rebuilds the whole site.
    let template = "templates/page.html";
    let text = std::fs::read_to_string(site.root.join(template)).unwrap();
    for i in 0..3 {
        site.write(template, &format!("{text}{{# yeniden {i} #}}\n"));
        std::thread::sleep(Duration::from_millis(400));
    }
    site.write(
        "site/content/hakkinda.md",
        "---\ntitle: Hakkında\n---\n\nSon sürüm: işaret-9.\n",
    );
    wait_for(addr, "/hakkinda/", |s, b| {
        s == 200 && b.contains("işaret-9")
    });
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let (missing, asked) = poller.join().unwrap();
    assert!(asked > 10, "the poller asked only {asked} times");
    assert_eq!(
        missing, 0,
        "{missing} of {asked} answers were not whole pages"
    );
}

#[test]
fn a_full_rebuild_updates_the_spare_copy_in_place_and_stopping_removes_it() {
    let site = TestSite::fixture("features");
    let mut server = Server::start(&site, &[]);
    let live = server.out.path().to_path_buf();
    // Made by the first build and the same in every later one.
    let unchanged = live.join("robots.txt");
    let long_ago = std::time::SystemTime::UNIX_EPOCH + Duration::from_secs(1 << 30);
    let file = std::fs::File::options()
        .write(true)
        .open(&unchanged)
        .unwrap();
    file.set_modified(long_ago).unwrap();
    // A title change is never incremental: each one rebuilds the whole site, into the spare
    // copy, which is then swapped in. The second rebuild goes into the first build's folder.
    for title in ["Birinci başlık", "İkinci başlık"] {
        site.write(
            "site/content/hakkinda.md",
            &format!("---\ntitle: {title}\n---\n\nMetin.\n"),
        );
        wait_for(server.addr, "/hakkinda/", |s, b| {
            s == 200 && b.contains(title)
        });
    }
    let built = server
        .log
        .lock()
        .unwrap()
        .iter()
        .filter(|l| l.starts_with("Built"))
        .count();
    assert_eq!(
        built,
        2,
        "two full rebuilds: {:?}",
        server.log.lock().unwrap()
    );
    assert_eq!(
        std::fs::metadata(&unchanged).unwrap().modified().unwrap(),
        long_ago,
        "the unchanged file was rewritten: the rebuild did not reuse the first build's folder"
    );
    let spare = server.spare();
    let previous = std::fs::read_to_string(spare.join("hakkinda/index.html")).unwrap();
    assert!(previous.contains("Birinci başlık"), "{previous}");

    let status = server
        .stop()
        .expect("kume serve did not stop within 5 s of SIGTERM");
    assert!(status.success(), "{status}");
    assert!(!spare.exists(), "the spare copy outlived the server");
    let served = std::fs::read_to_string(live.join("hakkinda/index.html")).unwrap();
    assert!(
        served.contains("İkinci başlık"),
        "the served output was removed"
    );
}

#[test]
fn an_edit_reaches_the_search_index_without_a_full_rebuild() {
    let site = TestSite::fixture("features");
    let server = Server::start(&site, &[]);
    let (status, index) = get(server.addr, "/ara/index.json");
    assert_eq!(status, 200);
    assert!(!index.contains("zebrakume"));
    let log = edit_and_wait(&site, &server, "zebrakume");
    assert!(
        log.iter().any(|l| l.starts_with("Updated 1 page")),
        "{}",
        log.join("\n")
    );
    let (_, index) = wait_for(server.addr, "/ara/index.json", |_, b| {
        b.contains("zebrakume")
    });
    let json: serde_json::Value = serde_json::from_str(&index).unwrap();
    assert!(
        json["words"]
            .as_array()
            .unwrap()
            .iter()
            .any(|w| w[0] == "zebrakume"),
        "the new word is a word of the index"
    );
}

/// An edit that leaves the page's words as they were leaves the search index's files as they
/// were: `kume serve` rewrites only the index files that changed.
#[test]
fn an_edit_that_keeps_the_words_does_not_rewrite_the_search_index() {
    let site = TestSite::fixture("features");
    let server = Server::start(&site, &[]);
    let index = server.out.path().join("ara/index.json");
    let (status, before) = get(server.addr, "/ara/index.json");
    assert_eq!(status, 200);
    let written = || std::fs::metadata(&index).unwrap().modified().unwrap();
    let first = written();
    // A table heading is not indexed (`<thead>`): the page changes, its words do not.
    let log = append_and_wait(&site, &server, "| işaret-başlık |\n|---|", "işaret-başlık");
    assert!(
        log.iter().any(|l| l.starts_with("Updated 1 page")),
        "{}",
        log.join("\n")
    );
    assert_eq!(written(), first, "the unchanged index was written again");
    assert_eq!(get(server.addr, "/ara/index.json").1, before);
    // A new word still reaches it.
    edit_and_wait(&site, &server, "zebrakume");
    let (_, after) = wait_for(server.addr, "/ara/index.json", |_, b| {
        b.contains("zebrakume")
    });
    assert_ne!(after, before);
    assert_ne!(written(), first);
}

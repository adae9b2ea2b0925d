//! Building sites: the repository's own site and the `features` fixture.

use std::collections::BTreeMap;
use std::path::Path;

use crate::harness::{TestSite, kume_in, repo};

#[test]
fn repository_site_checks_clean() {
    let run = kume_in(&repo(), &["check"]);
    run.assert_code(0);
    assert!(run.stderr.contains("Checked "), "{}", run.stderr);
    assert!(!run.stderr.contains("warning"), "{}", run.stderr);
}

#[test]
fn repository_site_builds_both_languages_and_the_guidebook() {
    let out = tempfile::tempdir().unwrap();
    let run = kume_in(&repo(), &["build", "--out", out.path().to_str().unwrap()]);
    run.assert_code(0);
    let summary = run.stderr.lines().last().unwrap();
    assert!(
        summary.starts_with("Built ") && summary.contains("(tr ") && summary.contains(", en "),
        "{summary}"
    );
    let read = |p: &str| {
        std::fs::read_to_string(out.path().join(p)).unwrap_or_else(|e| panic!("{p}: {e}"))
    };
    for part in [
        "kume-analizi",
        "kumeyi-hareketlendirme",
        "kume-yonetimi",
        "kume-destekleri",
        "izleme-ve-degerlendirme",
    ] {
        let html = read(&format!("rehber/{part}/index.html"));
        assert!(
            html.contains("class=\"book-toc\"") && html.contains("rel=\"prev\""),
            "{part}"
        );
    }
    for part in [
        "cluster-analysis",
        "cluster-mobilisation",
        "cluster-management",
        "cluster-support",
        "monitoring-and-evaluation",
    ] {
        assert!(
            read(&format!("en/guide/{part}/index.html")).contains("<html lang=\"en\">"),
            "{part}"
        );
    }
    let print = read("rehber/yazdir/index.html");
    assert_eq!(
        print.matches("class=\"print-chapter depth-2\"").count(),
        6,
        "five parts and the glossary"
    );
    assert_eq!(
        print.matches("class=\"print-chapter depth-3\"").count(),
        GUIDEBOOK_TOOLS,
        "one chapter per tool"
    );
    assert!(read("en/guide/print/index.html").contains("<html lang=\"en\">"));
    assert!(print.contains(
        "<link rel=\"alternate\" type=\"application/pdf\" href=\"/rehber/yazdir/kume-gelistirme-araclari.pdf\">"
    ));
}

/// The tool pages of the guidebook, one per tool in each language.
const GUIDEBOOK_TOOLS: usize = 31;

/// Every guidebook tool page, in both languages, has the sections the guidebook promises its
/// readers and links a template or checklist that the build really published.
#[test]
fn guidebook_tool_pages_have_every_section_and_a_download() {
    let out = tempfile::tempdir().unwrap();
    kume_in(&repo(), &["build", "--out", out.path().to_str().unwrap()]).assert_code(0);
    let books = [
        (
            "rehber",
            [
                "amac",
                "ne-zaman-kullanilir",
                "kimler-yer-alir",
                "adim-adim-yontem",
                "girdiler-ve-ciktilar",
                "sablon",
                "sik-yapilan-hatalar",
                "kumede-bu-arac",
            ],
        ),
        (
            "en/guide",
            [
                "purpose",
                "when-to-use-it",
                "who-is-involved",
                "step-by-step-method",
                "inputs-and-outputs",
                "template",
                "pitfalls",
                "doing-it-with-kume",
            ],
        ),
    ];
    for (book, sections) in books {
        let pages = tool_pages(&out.path().join(book));
        assert_eq!(pages.len(), GUIDEBOOK_TOOLS, "{book}");
        for page in pages {
            let html = std::fs::read_to_string(&page).unwrap();
            for id in sections {
                assert!(
                    html.contains(&format!("<h2 id=\"{id}\">")),
                    "{}: no section #{id}",
                    page.display()
                );
            }
            let downloads = download_links(&html);
            assert!(!downloads.is_empty(), "{}: no download", page.display());
            for href in &downloads {
                assert!(
                    out.path().join(href.trim_start_matches('/')).is_file(),
                    "{}: {href} was not published",
                    page.display()
                );
            }
            // Every template is offered as a workbook and as a CSV Turkish Excel opens right.
            for xlsx in downloads.iter().filter(|h| h.ends_with(".xlsx")) {
                let csv = format!("{}.csv", xlsx.trim_end_matches(".xlsx"));
                assert!(
                    downloads.contains(&csv.as_str()),
                    "{}: no {csv}",
                    page.display()
                );
                template_opens_right(out.path(), xlsx, &csv);
            }
            assert!(
                downloads.iter().any(|h| h.ends_with(".xlsx")),
                "{}: no XLSX template",
                page.display()
            );
        }
    }
}

/// The CSV starts with the UTF-8 byte-order mark and separates its fields with `;`; the
/// workbook is a real XLSX package whose sheet holds the CSV's first line, cell by cell.
fn template_opens_right(out: &Path, xlsx: &str, csv: &str) {
    let text = std::fs::read_to_string(out.join(csv.trim_start_matches('/'))).unwrap();
    let body = text
        .strip_prefix('\u{feff}')
        .unwrap_or_else(|| panic!("{csv}: no byte-order mark"));
    let first = body.lines().next().unwrap();
    let cells: Vec<&str> = first.split(';').collect();
    assert!(
        cells.len() > 1 || !first.contains(','),
        "{csv}: not `;`-separated: {first}"
    );
    let file = std::fs::File::open(out.join(xlsx.trim_start_matches('/'))).unwrap();
    let mut archive = zip::ZipArchive::new(file).unwrap_or_else(|e| panic!("{xlsx}: {e}"));
    let mut read = |name: &str| {
        let mut entry = archive
            .by_name(name)
            .unwrap_or_else(|e| panic!("{xlsx}: {name}: {e}"));
        let mut xml = String::new();
        std::io::Read::read_to_string(&mut entry, &mut xml).unwrap();
        xml
    };
    assert!(read("xl/workbook.xml").contains("<sheet name="), "{xlsx}");
    let strings = read("xl/sharedStrings.xml");
    for cell in cells
        .iter()
        .map(|c| c.trim_matches('"'))
        .filter(|c| !c.is_empty())
    {
        let escaped = cell
            .replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;");
        assert!(
            strings.contains(&format!("<t>{escaped}</t>")),
            "{xlsx}: no cell `{cell}`"
        );
    }
}

/// A template CSV written with commas is refused: Turkish Excel would read it into one column.
#[test]
fn a_template_csv_with_commas_or_without_the_mark_is_an_error() {
    let site = TestSite::base();
    site.write(
        "site/static/rehber/sablonlar/virgul.csv",
        "\u{feff}ad,tur\nA,/en/yok/\n",
    )
    .write(
        "site/static/rehber/sablonlar/isaretsiz.csv",
        "ad;tur\nA;firma\n",
    );
    let run = site.kume(&["check"]);
    run.assert_code(1)
        .assert_stderr_has(
            "site/static/rehber/sablonlar/virgul.csv:1:2: error: the template CSV does not separate its fields with `;`",
        )
        .assert_stderr_has(
            "site/static/rehber/sablonlar/isaretsiz.csv:1:1: error: the template CSV has no UTF-8 byte-order mark",
        )
        // The pages a template names are checked also when its spreadsheet cannot be made.
        .assert_stderr_has(
            "site/static/rehber/sablonlar/virgul.csv:2:3: error: the template names the page `/en/yok/`, which does not exist",
        );
}

/// A checklist becomes a CSV and a workbook; the CSV keeps the checklist's table as columns.
#[test]
fn a_checklist_template_is_published_as_csv_and_xlsx() {
    let site = TestSite::base();
    site.write(
        "site/static/rehber/sablonlar/liste.txt",
        "# Liste\n\n## Organlar\n| Organ | Yetkileri |\n|---|---|\n| Genel kurul | |\n- [ ] Kural yazıldı.\n",
    );
    site.build();
    let csv = site.read_output("rehber/sablonlar/liste.csv");
    assert!(
        csv.starts_with("\u{feff}Liste\r\n\"\"\r\nOrganlar\r\nOrgan;Yetkileri\r\nGenel kurul;\r\n☐;Kural yazıldı.\r\n"),
        "{csv:?}"
    );
    template_opens_right(
        &site.root.join("public"),
        "/rehber/sablonlar/liste.xlsx",
        "/rehber/sablonlar/liste.csv",
    );
    assert!(site.output_exists("rehber/sablonlar/liste.txt"));
}

/// `<book>/<part>/<tool>/index.html`: the chapters two levels below the book's home.
fn tool_pages(book: &Path) -> Vec<std::path::PathBuf> {
    let mut pages: Vec<_> = walkdir::WalkDir::new(book)
        .min_depth(3)
        .max_depth(3)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_name() == "index.html")
        .map(|e| e.into_path())
        .collect();
    pages.sort();
    pages
}

fn download_links(html: &str) -> Vec<&str> {
    html.split("href=\"")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .filter(|href| href.starts_with("/rehber/sablonlar/"))
        .collect()
}

/// The glossary's Turkish page lists its terms in Turkish alphabetical order (ı before i,
/// ş after s, ü after u), the order a Turkish reader looks them up in.
#[test]
fn glossary_terms_are_in_turkish_alphabetical_order() {
    let out = tempfile::tempdir().unwrap();
    kume_in(&repo(), &["build", "--out", out.path().to_str().unwrap()]).assert_code(0);
    let html = std::fs::read_to_string(out.path().join("rehber/sozluk/index.html")).unwrap();
    let body = html
        .split("<tbody>")
        .nth(1)
        .expect("the glossary is a table");
    let terms: Vec<&str> = body
        .split("<tr>")
        .skip(1)
        .filter_map(|row| row.split("<td>").nth(1)?.split("</td>").next())
        .collect();
    assert!(terms.len() > 40, "{} terms", terms.len());
    let turkish = kume::text::Collation::for_language("tr");
    for pair in terms.windows(2) {
        assert!(
            turkish.compare(pair[0], pair[1]).is_lt(),
            "`{}` comes before `{}`",
            pair[1],
            pair[0]
        );
    }
}

/// Every file under `dir` by its path inside `dir`, with its bytes.
fn files_of(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| !e.file_type().is_dir())
        .map(|e| {
            (
                e.path().strip_prefix(dir).unwrap().display().to_string(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect()
}

#[test]
fn builds_are_reproducible() {
    let site = TestSite::fixture("features");
    site.build();
    let first = files_of(&site.root.join("public"));
    let again = tempfile::tempdir().unwrap();
    site.kume(&["build", "--out", again.path().to_str().unwrap()])
        .assert_code(0);
    assert!(
        first == files_of(again.path()),
        "two builds of the same sources differ"
    );
    assert!(first.contains_key("rehber/giris/index.html"));
}

/// A build into the folder of an earlier one rewrites it in place: it ends as a build into an
/// empty folder would, an unchanged file keeps its time stamp, and what the sources no longer
/// make is removed, links included, without writing through them.
#[cfg(unix)]
#[test]
fn a_rebuild_rewrites_the_output_folder_in_place() {
    let site = TestSite::fixture("features");
    site.build();
    let public = site.root.join("public");
    let long_ago = std::time::SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1 << 30);
    let stamp = |rel: &str| {
        std::fs::metadata(public.join(rel))
            .unwrap()
            .modified()
            .unwrap()
    };
    for rel in ["rehber/giris/index.html", "hakkinda/index.html"] {
        let file = std::fs::File::options()
            .write(true)
            .open(public.join(rel))
            .unwrap();
        file.set_modified(long_ago).unwrap();
    }
    let elsewhere = tempfile::tempdir().unwrap();
    let kept_safe = elsewhere.path().join("dokunma.txt");
    std::fs::write(&kept_safe, "aynen\n").unwrap();
    std::fs::remove_file(public.join("robots.txt")).unwrap();
    std::os::unix::fs::symlink(&kept_safe, public.join("robots.txt")).unwrap();
    std::fs::remove_file(public.join("sitemap.xml")).unwrap();
    std::fs::create_dir_all(public.join("sitemap.xml/ic")).unwrap();
    std::fs::remove_dir_all(public.join("haberler")).unwrap();
    std::fs::write(public.join("haberler"), "bir dosya").unwrap();
    std::fs::create_dir_all(public.join("eski/sayfa")).unwrap();
    std::fs::write(public.join("eski/sayfa/index.html"), "eski").unwrap();
    std::fs::write(public.join("eski.html"), "eski").unwrap();
    // A changed file is written over: one planted longer than the page, one shorter.
    let longer = public.join("rehber/ikinci/index.html");
    let page = std::fs::read_to_string(&longer).unwrap();
    std::fs::write(&longer, page + &"fazla ".repeat(5000)).unwrap();
    std::fs::write(public.join("en/about/index.html"), "kısa").unwrap();
    site.write(
        "site/content/hakkinda.md",
        "---\ntitle: Hakkında\ndescription: Deneme sitesi hakkında.\nweight: 10\n---\nYeni metin.\n",
    );

    site.build();
    let fresh = tempfile::tempdir().unwrap();
    site.kume(&["build", "--out", fresh.path().to_str().unwrap()])
        .assert_code(0);
    assert!(
        files_of(&public) == files_of(fresh.path()),
        "the rebuilt folder differs from a build into an empty one"
    );
    assert_eq!(stamp("rehber/giris/index.html"), long_ago);
    assert_ne!(stamp("hakkinda/index.html"), long_ago);
    assert!(
        site.read_output("hakkinda/index.html")
            .contains("Yeni metin.")
    );
    assert!(!public.join("robots.txt").is_symlink());
    assert_eq!(std::fs::read_to_string(&kept_safe).unwrap(), "aynen\n");
    assert!(public.join("sitemap.xml").is_file() && public.join("haberler").is_dir());
    assert!(!public.join("eski").exists() && !public.join("eski.html").exists());
}

#[test]
fn pretty_urls_follow_files_and_slugs_per_language() {
    let site = TestSite::fixture("features");
    site.build();
    for path in [
        "index.html",
        "hakkinda/index.html",
        "rehber/giris/index.html",
        "rehber/ikinci/index.html",
        "rehber/ikinci/adim/index.html",
        "en/index.html",
        "en/about/index.html",
        "en/guide/introduction/index.html",
        "en/guide/second-part/adim/index.html",
        "404.html",
        "en/404.html",
    ] {
        assert!(site.output_exists(path), "missing {path}");
    }
    assert!(
        !site.output_exists("taslak/index.html"),
        "drafts are not published"
    );
}

#[test]
fn pages_declare_language_alternates_and_switch_to_translations() {
    let site = TestSite::fixture("features");
    site.build();
    let tr = site.read_output("rehber/giris/index.html");
    assert!(tr.contains("<html lang=\"tr\">"));
    assert!(tr.contains("<link rel=\"alternate\" hreflang=\"en\" href=\"https://test.example.org/en/guide/introduction/\">"));
    assert!(tr.contains("<link rel=\"alternate\" hreflang=\"x-default\" href=\"https://test.example.org/rehber/giris/\">"));
    assert!(
        tr.contains("<link rel=\"canonical\" href=\"https://test.example.org/rehber/giris/\">")
    );
    assert!(tr.contains("<meta property=\"og:locale\" content=\"tr_TR\">"));
    assert!(
        tr.contains("<a href=\"/en/guide/introduction/\" hreflang=\"en\" lang=\"en\">English</a>")
    );
    // A page without a translation sends the switch to the other language's home page.
    let news = site.read_output("haberler/yeni/index.html");
    assert!(
        news.contains("<a href=\"/en/\" hreflang=\"en\" lang=\"en\" title="),
        "{news}"
    );
}

/// The main navigation is rendered once per language and current entry and then reused: each
/// page must still get the variant that marks its own place, in its own language.
#[test]
fn the_main_navigation_marks_the_current_page_and_its_section() {
    let site = TestSite::fixture("features");
    site.build();
    // The menu entries of a page, one `<li>` each, and whether `entry` is one of them.
    let menu = |path: &str| -> Vec<String> {
        let html = site.read_output(path);
        let nav = &html[html.find("<nav class=\"main-nav\"").unwrap()..];
        let nav = &nav[..nav.find("</nav>").unwrap()];
        (nav.lines())
            .filter(|l| l.contains("<li>"))
            .map(|l| l.trim().to_string())
            .collect()
    };
    let has = |menu: &[String], entry: &str| menu.iter().any(|l| l == entry);
    let guide = r#"<li><a href="/rehber/">Rehber</a></li>"#;
    let about = r#"<li><a href="/hakkinda/">Hakkında</a></li>"#;

    let section = menu("rehber/index.html");
    let entry = r#"<li><a href="/rehber/" aria-current="page">Rehber</a></li>"#;
    assert!(has(&section, entry) && has(&section, about), "{section:?}");
    // The two chapters share one variant: the second is served from the first.
    for chapter in ["rehber/giris/index.html", "rehber/ikinci/index.html"] {
        let under = menu(chapter);
        let entry = r#"<li><a href="/rehber/" aria-current="true">Rehber</a></li>"#;
        assert!(
            has(&under, entry) && has(&under, about),
            "{chapter}: {under:?}"
        );
    }
    let other = menu("hakkinda/index.html");
    let entry = r#"<li><a href="/hakkinda/" aria-current="page">Hakkında</a></li>"#;
    assert!(has(&other, guide) && has(&other, entry), "{other:?}");
    let home = menu("index.html");
    assert!(!home.iter().any(|l| l.contains("aria-current")), "{home:?}");

    let english = menu("en/guide/introduction/index.html");
    let entry = r#"<li><a href="/en/guide/" aria-current="true">Guide</a></li>"#;
    let about = r#"<li><a href="/en/about/">About</a></li>"#;
    assert!(has(&english, entry) && has(&english, about), "{english:?}");
}

#[test]
fn source_links_become_page_urls_in_the_page_language() {
    let site = TestSite::fixture("features");
    site.build();
    assert!(
        site.read_output("rehber/giris/index.html")
            .contains("<a href=\"/rehber/ikinci/#adimlar\">")
    );
    assert!(
        site.read_output("en/guide/introduction/index.html")
            .contains("<a href=\"/en/guide/second-part/#steps\">")
    );
    assert!(
        site.read_output("index.html")
            .contains("<a href=\"/hakkinda/\">")
    );
    assert!(
        site.read_output("en/index.html")
            .contains("<a href=\"/en/about/\">")
    );
}

#[test]
fn headings_get_transliterated_ids() {
    let site = TestSite::fixture("features");
    site.build();
    assert!(
        site.read_output("rehber/giris/index.html")
            .contains("<h2 id=\"baslarken\">Başlarken</h2>")
    );
}

#[test]
fn book_has_navigation_numbers_and_a_print_page() {
    let site = TestSite::fixture("features");
    site.build();
    let chapter = site.read_output("rehber/giris/index.html");
    assert!(chapter.contains("<a class=\"pager-prev\" href=\"/rehber/\" rel=\"prev\">"));
    assert!(chapter.contains("<a class=\"pager-next\" href=\"/rehber/ikinci/\" rel=\"next\">"));
    assert!(chapter.contains("<span class=\"chapter-number\">1.</span> Giriş</h1>"));
    assert!(
        chapter.contains("<span class=\"chapter-number\">2.1.</span> Adım</a>"),
        "nested chapters are numbered"
    );
    assert!(chapter.contains("<a href=\"/rehber/yazdir/\">"));

    let print = site.read_output("rehber/yazdir/index.html");
    let order: Vec<usize> = [
        "id=\"rehber\"",
        "id=\"rehber-giris\"",
        "id=\"rehber-ikinci\"",
        "id=\"rehber-ikinci-adim\"",
    ]
    .iter()
    .map(|id| {
        print
            .find(id)
            .unwrap_or_else(|| panic!("{id} missing from the print page"))
    })
    .collect();
    assert!(
        order.windows(2).all(|w| w[0] < w[1]),
        "chapters in reading order"
    );
    assert!(
        print.contains("<h3 id=\"rehber-giris--baslarken\">"),
        "ids are unique on the print page"
    );
    assert!(
        print.contains("href=\"#rehber-ikinci--adimlar\""),
        "links into the book become in-page anchors"
    );
    assert!(
        print.contains("id=\"fn-rehber-giris--kaynak\""),
        "footnotes stay unique"
    );
    assert!(
        site.read_output("en/guide/print/index.html")
            .contains("href=\"#en-guide-second-part--steps\"")
    );
}

#[test]
fn sections_sort_by_weight_then_turkish_alphabet() {
    let site = TestSite::fixture("features");
    site.build();
    let html = site.read_output("sirala/index.html");
    let expected = [
        "Önce", "Cam", "Çam", "Ilgaz", "İnci", "Ocak", "Ödev", "Sabun", "Şeker", "Zeytin",
    ];
    let positions: Vec<usize> = expected
        .iter()
        .map(|t| {
            html.find(&format!(">{t}</a></h3>"))
                .unwrap_or_else(|| panic!("{t} not listed"))
        })
        .collect();
    assert!(
        positions.windows(2).all(|w| w[0] < w[1]),
        "order was not {expected:?}"
    );
}

#[test]
fn news_section_has_an_atom_feed_newest_first() {
    let site = TestSite::fixture("features");
    site.build();
    let feed = site.read_output("haberler/atom.xml");
    assert!(feed.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\" xml:lang=\"tr\">"));
    let (new, old) = (
        feed.find("Yeni haber").unwrap(),
        feed.find("Eski haber").unwrap(),
    );
    assert!(new < old);
    assert!(feed.contains("<updated>2026-03-05T00:00:00Z</updated>"));
    assert!(
        feed.contains("href=&quot;https://test.example.org/rehber/&quot;"),
        "links in entries are absolute"
    );
    assert!(
        site.read_output("haberler/index.html")
            .contains("<link rel=\"alternate\" type=\"application/atom+xml\"")
    );
}

#[test]
fn sitemap_robots_and_redirects() {
    let site = TestSite::fixture("features");
    site.build();
    let sitemap = site.read_output("sitemap.xml");
    assert!(sitemap.contains("<loc>https://test.example.org/hakkinda/</loc>"));
    assert!(sitemap.contains("<xhtml:link rel=\"alternate\" hreflang=\"en\" href=\"https://test.example.org/en/about/\"/>"));
    assert!(sitemap.contains("<lastmod>2026-03-05</lastmod>"));
    assert!(!sitemap.contains("taslak"));
    assert_eq!(
        site.read_output("robots.txt"),
        "User-agent: *\nAllow: /\n\nSitemap: https://test.example.org/sitemap.xml\n"
    );
    let alias = site.read_output("eski-haber/index.html");
    assert!(alias.contains(
        "<meta http-equiv=\"refresh\" content=\"0; url=https://test.example.org/haberler/yeni/\">"
    ));
    let redirects = site.read_output("_redirects");
    assert!(redirects.contains("/eski-haber/  /haberler/yeni/  301"));
    assert!(redirects.contains("/en/*  /en/404.html  404"));
}

#[test]
fn taxonomy_index_and_term_pages_per_language() {
    let site = TestSite::fixture("features");
    site.build();
    let index = site.read_output("kimin-icin/index.html");
    assert!(
        index.contains("<a href=\"/kimin-icin/kobiler/\">KOBİ&#39;ler</a>"),
        "{index}"
    );
    assert!(
        site.read_output("kimin-icin/kume-yoneticileri/index.html")
            .contains(">1. Giriş</a>")
    );
    assert!(
        site.read_output("en/audiences/smes/index.html")
            .contains(">1. Introduction</a>")
    );
    assert!(
        site.read_output("rehber/giris/index.html")
            .contains("<a href=\"/kimin-icin/kobiler/\">KOBİ&#39;ler</a>")
    );
}

#[test]
fn drafts_are_built_on_request() {
    let site = TestSite::fixture("features");
    let out = site.root.join("public");
    site.kume(&["build", "--drafts", "--out", out.to_str().unwrap()])
        .assert_code(0);
    assert!(site.output_exists("taslak/index.html"));
}

#[test]
fn build_output_has_no_reload_script_or_inline_script() {
    let site = TestSite::fixture("features");
    site.build();
    for path in ["index.html", "rehber/giris/index.html", "404.html"] {
        let html = site.read_output(path);
        assert!(!html.contains("__kume"), "{path} has the dev reload script");
        assert!(!html.contains("<script"), "{path} has a script");
    }
}

#[test]
fn static_files_are_copied_and_stylesheets_minified() {
    let site = TestSite::fixture("features");
    site.build();
    let svg = std::fs::read(repo().join("site/static/favicon.svg")).unwrap();
    assert_eq!(
        std::fs::read(site.root.join("public/favicon.svg")).unwrap(),
        svg,
        "other files as they are"
    );
    let css = std::fs::read_to_string(repo().join("site/static/css/kume.css")).unwrap();
    let published = std::fs::read_to_string(site.root.join("public/css/kume.css")).unwrap();
    assert!(published.len() * 10 < css.len() * 9, "minified");
    assert!(!published.contains("/*"), "no comments");
    assert!(published.contains("@media print"), "rules kept");
}

#[test]
fn repository_site_shows_sample_results_only_for_sample_clusters() {
    let out = tempfile::tempdir().unwrap();
    kume_in(&repo(), &["build", "--out", out.path().to_str().unwrap()]).assert_code(0);
    let read = |p: &str| std::fs::read_to_string(out.path().join(p)).unwrap();
    let sample = read("kumeler/ornek-samsun-gida/index.html");
    assert!(sample.contains("Sonuçlar 2026") && sample.contains("Örnek veri: bu sonuçlar"));
    // A real cluster gets no invented value of its own: its cells are empty, and the national
    // figures beside them say they come from sample clusters.
    let real = read("kumeler/ostim-medikal/index.html");
    assert!(real.contains("Örnek veri: bu sonuçlar"));
    let snapshot = read("veri/aggregates.json");
    let json: serde_json::Value = serde_json::from_str(&snapshot).unwrap();
    let clusters: std::collections::BTreeSet<&str> = json["values"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["cluster"].as_str().unwrap())
        .collect();
    assert_eq!(clusters.len(), 15);
    assert!(
        clusters.iter().all(|c| c.starts_with("ornek-")),
        "{clusters:?}"
    );
    // The open data says it is sample data in the files themselves, not only on the pages.
    assert_eq!(json["sample"], true);
    assert!(json["note"].as_str().unwrap().starts_with("Örnek veri: "));
    let csv = read("veri/indicators/STR-01.csv");
    let mut lines = csv.lines();
    assert!(lines.next().unwrap().ends_with(",change,sample,note"));
    assert!(lines.all(|l| l.contains(",true,\"Örnek veri: ")), "{csv}");
    let directory = read("kumeler/index.html");
    assert!(directory.contains("Bu listede gösterim amacıyla uydurulmuş örnek kümeler de var"));
    assert!(directory.contains("JSON ve CSV) — örnek veri, gerçek küme sonuçları değildir</a>"));
    assert!(read("en/clusters/index.html").contains("This list includes sample clusters invented"));
    // A label is time-limited: it is shown with its year.
    assert!(read("kumeler/saha-istanbul/index.html").contains("ESCA Silver (2023)"));
    // Generated pages are in the sitemap too, not only content pages.
    let sitemap = read("sitemap.xml");
    for path in [
        "/kumeler/ornek-samsun-gida/",
        "/en/benchmark/",
        "/iller/samsun/sektorler/",
        "/en/sector-analysis/",
        "/destekler/",
    ] {
        assert!(
            sitemap.contains(&format!("<loc>https://kume.netlify.app{path}</loc>")),
            "{path}"
        );
    }
    assert!(!sitemap.contains(".csv<") && !sitemap.contains(".json<"));
}

#[test]
fn a_snapshot_alone_publishes_the_complete_open_data() {
    // CI fetches only aggregates.json from the collector: the per-indicator CSVs are made from it.
    let dir = tempfile::tempdir().unwrap();
    let snapshot = dir.path().join("aggregates.json");
    std::fs::copy(
        repo().join("site/data/sample-results/aggregates.json"),
        &snapshot,
    )
    .unwrap();
    let out = dir.path().join("public");
    kume_in(
        &repo(),
        &[
            "build",
            "--aggregates",
            snapshot.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ],
    )
    .assert_code(0);
    let csv = std::fs::read_to_string(out.join("veri/indicators/STR-01.csv")).unwrap();
    assert!(csv.starts_with(
        "cluster,wave,value,responses,withheld,percentile,light,change,sample,note\n"
    ));
    let shipped =
        std::fs::read_to_string(repo().join("site/data/sample-results/indicators/STR-01.csv"))
            .unwrap();
    assert_eq!(csv, shipped, "the same CSV as `kume aggregate` writes");
}

#[test]
fn a_footnote_citing_a_front_page_is_a_warning() {
    let site = TestSite::base();
    site.write(
        "site/content/kaynakli.md",
        "---\ntitle: Kaynaklı\n---\nBir olgu.[^1]\n\n[^1]: Yayımcı, “Sayfa”. <https://www.mevzuat.gov.tr/>\n",
    );
    site.kume(&["check"]).assert_code(0).assert_stderr_has(
        "site/content/kaynakli.md:6:26: warning: the source `https://www.mevzuat.gov.tr/` is a site's front page",
    );
}

#[test]
fn a_template_naming_a_page_that_does_not_exist_is_an_error() {
    let site = TestSite::base();
    site.write(
        "site/static/rehber/sablonlar/deneme.en.txt",
        "Template\nPage: /en/about/\nAlso: /en/hakkinda/\n",
    );
    // A workbook among the templates is published as it is: it names no page and is no error.
    std::fs::write(
        site.root.join("site/static/rehber/sablonlar/hazir.xlsx"),
        b"PK\x03\x04\xff\xfe /en/yok/ ",
    )
    .unwrap();
    let run = site.kume(&["check"]);
    run.assert_code(1).assert_stderr_has(
        "site/static/rehber/sablonlar/deneme.en.txt:3:7: error: the template names the page `/en/hakkinda/`, which does not exist",
    );
    assert!(!run.stderr.contains("`/en/about/`"), "{}", run.stderr);
    assert!(!run.stderr.contains("hazir.xlsx"), "{}", run.stderr);
}

#[test]
fn an_esca_label_without_its_year_is_an_error() {
    let site = TestSite::base();
    site.write(
        "site/data/clusters/etiketli.yaml",
        "id: etiketli\nname: {tr: Etiketli, en: Labelled}\nprovince: TR100\nlabels: {esca: bronze, eccp: false}\n",
    );
    site.kume(&["check"])
        .assert_code(1)
        .assert_stderr_has("site/data/clusters/etiketli.yaml: error: the ESCA label has no year");
}

/// A few whole pages as a reader gets them — a guidebook page, a survey form and the 404 page —
/// pinned as snapshots, so that no change to templates, strings or rendering passes unseen.
/// Asset hashes are masked: a style change alone should not need a review of every page.
#[test]
fn whole_pages_are_pinned() {
    let site = TestSite::fixture("features");
    let survey = std::fs::read_to_string(repo().join("tests/fixtures/surveys/deneme.yaml"));
    site.write("surveys/deneme.yaml", &survey.unwrap());
    site.build();
    let hash = regex::Regex::new(r"\?h=[0-9a-f]{10}").unwrap();
    for (name, path) in [
        ("guide_page", "public/rehber/giris/index.html"),
        ("survey_form", "public/anket/deneme/index.html"),
        ("not_found", "public/404.html"),
    ] {
        let html = std::fs::read_to_string(site.root.join(path)).unwrap();
        insta::assert_snapshot!(
            format!("page__{name}"),
            hash.replace_all(&html, "?h=[hash]")
        );
    }
}

/// A linked page, template or static file is used like the file it points to, not skipped; a
/// link that points nowhere or back into its own folder is an error that names it.
#[cfg(unix)]
#[test]
fn linked_pages_and_static_files_are_published() {
    let site = TestSite::base();
    let elsewhere = tempfile::tempdir().unwrap();
    let (report, page) = (
        elsewhere.path().join("rapor.txt"),
        elsewhere.path().join("bagli.md"),
    );
    std::fs::write(&report, "rapor\n").unwrap();
    std::fs::write(&page, "---\ntitle: Bağlı\n---\nBağlı sayfa.\n").unwrap();
    let link = |target: &Path, at: &str| std::os::unix::fs::symlink(target, site.root.join(at));
    link(&report, "site/static/rapor.txt").unwrap();
    link(&page, "site/content/bagli.md").unwrap();
    let template = elsewhere.path().join("page.html");
    std::fs::rename(site.root.join("templates/page.html"), &template).unwrap();
    link(&template, "templates/page.html").unwrap();
    site.build();
    assert_eq!(site.read_output("rapor.txt"), "rapor\n");
    assert!(
        site.read_output("bagli/index.html")
            .contains("Bağlı sayfa.")
    );

    link(&elsewhere.path().join("yok.pdf"), "site/static/yok.pdf").unwrap();
    link(&site.root.join("site/content"), "site/content/dongu").unwrap();
    link(&elsewhere.path().join("yok.html"), "templates/yok.html").unwrap();
    site.kume(&["check"])
        .assert_code(1)
        .assert_stderr_has(
            "templates/yok.html: error: cannot follow this link: No such file or directory (os error 2)",
        )
        .assert_stderr_has(
            "site/static/yok.pdf: error: cannot follow this link: No such file or directory (os error 2)\n  \
             help: point the link at a file that exists, or remove it",
        )
        .assert_stderr_has(
            "site/content/dongu: error: this link leads back into its own folder\n  \
             help: point the link somewhere outside the folder that holds it",
        );
}

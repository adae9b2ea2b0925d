//! Generated non-HTML files: sitemap.xml (with language alternates), Atom feeds, robots.txt
//! and Netlify's `_redirects`.

use std::fmt::Write;

use super::Site;
use super::doc_urls::{feed_url, print_url};
use crate::content::DocId;
use crate::diagnostics::Diagnostic;
use crate::text::escape_markup;

/// Every generated file as (URL path, body).
pub fn generated(site: &Site) -> Result<Vec<(String, String)>, Diagnostic> {
    let mut files = vec![
        ("/sitemap.xml".to_string(), sitemap(site)),
        ("/robots.txt".to_string(), robots(site)),
        ("/_redirects".to_string(), redirects(site)),
    ];
    for (id, d) in site.content.docs.iter().enumerate() {
        if d.front.feed && !d.url.is_empty() {
            files.push((feed_url(&d.url), atom(site, id)));
        }
    }
    files.extend(super::surveys::definition_files(site));
    files.extend(super::benchmark::urls::open_data(site)?);
    files.extend(super::sectors::open_data(site)?);
    files.extend(super::sectors::outlines_file(site));
    Ok(files)
}

fn sitemap(site: &Site) -> String {
    let base = &site.config.base_url;
    let content = &site.content;
    let mut out = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\" xmlns:xhtml=\"http://www.w3.org/1999/xhtml\">\n",
    );
    let mut ids: Vec<DocId> = (0..content.docs.len())
        .filter(|&i| !content.docs[i].url.is_empty())
        .collect();
    ids.sort_by(|&a, &b| content.docs[a].url.cmp(&content.docs[b].url));
    for id in ids {
        let d = &content.docs[id];
        let _ = write!(
            out,
            "  <url>\n    <loc>{}</loc>\n",
            escape_markup(&format!("{base}{}", d.url))
        );
        if let Some(date) = d.date {
            let _ = writeln!(out, "    <lastmod>{}</lastmod>", date.iso());
        }
        if !d.translations.is_empty() {
            let mut all: Vec<DocId> = d.translations.clone();
            all.push(id);
            all.sort_by(|&a, &b| content.docs[a].lang.cmp(&content.docs[b].lang));
            for t in all {
                let td = &content.docs[t];
                let _ = writeln!(
                    out,
                    "    <xhtml:link rel=\"alternate\" hreflang=\"{}\" href=\"{}\"/>",
                    td.lang,
                    escape_markup(&format!("{base}{}", td.url))
                );
            }
        }
        out.push_str("  </url>\n");
    }
    // Print pages, taxonomy pages and the generated areas' pages (as their routes say).
    let prints = content
        .books
        .iter()
        .filter_map(|b| print_url(content, &site.strings, b.root));
    let terms = site.taxonomies.urls().map(str::to_string);
    let areas = site
        .routes
        .iter()
        .filter(|r| r.in_sitemap && r.page.is_some())
        .map(|r| r.url.clone());
    for url in prints.chain(terms).chain(areas) {
        let _ = writeln!(
            out,
            "  <url>\n    <loc>{}</loc>\n  </url>",
            escape_markup(&format!("{base}{url}"))
        );
    }
    out.push_str("</urlset>\n");
    out
}

fn robots(site: &Site) -> String {
    format!(
        "User-agent: *\nAllow: /\n\nSitemap: {}/sitemap.xml\n",
        site.config.base_url
    )
}

/// Netlify redirects: aliases (301) and each language's own 404 page.
fn redirects(site: &Site) -> String {
    let mut out = String::new();
    for d in &site.content.docs {
        for a in &d.front.aliases {
            let _ = writeln!(out, "{}  {}  301", a.value, d.url);
        }
    }
    for lang in site.config.languages.iter().skip(1) {
        if site.content.homes.contains_key(&lang.code) {
            let prefix = site.config.language_prefix(&lang.code);
            let _ = writeln!(out, "{prefix}*  {prefix}404.html  404");
        }
    }
    out
}

/// An Atom feed of a section's pages, newest first (at most 50).
fn atom(site: &Site, section: DocId) -> String {
    let base = &site.config.base_url;
    let content = &site.content;
    let s = &content.docs[section];
    let pages: Vec<DocId> = s.children.iter().copied().take(50).collect();
    let updated = pages
        .iter()
        .filter_map(|&p| content.docs[p].date)
        .max()
        .or(s.date)
        .map_or_else(|| "1970-01-01T00:00:00Z".to_string(), |d| d.rfc3339());
    let site_title = site.config.title.get(&s.lang).cloned().unwrap_or_default();
    let mut out = String::new();
    let _ = write!(
        out,
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\" xml:lang=\"{}\">\n  <title>{} – {}</title>\n  <link rel=\"self\" type=\"application/atom+xml\" href=\"{}\"/>\n  <link rel=\"alternate\" type=\"text/html\" href=\"{}\"/>\n  <id>{}</id>\n  <updated>{}</updated>\n  <generator>Kume</generator>\n",
        s.lang,
        escape_markup(&s.front.title),
        escape_markup(&site_title),
        escape_markup(&format!("{base}{}", feed_url(&s.url))),
        escape_markup(&format!("{base}{}", s.url)),
        escape_markup(&format!("{base}{}", s.url)),
        updated,
    );
    for p in pages {
        let d = &content.docs[p];
        let link = escape_markup(&format!("{base}{}", d.url));
        let date = d.date.map_or_else(|| updated.clone(), |x| x.rfc3339());
        let _ = write!(
            out,
            "  <entry>\n    <title>{}</title>\n    <link rel=\"alternate\" type=\"text/html\" href=\"{link}\"/>\n    <id>{link}</id>\n    <updated>{date}</updated>\n    <author><name>{}</name></author>\n",
            escape_markup(&d.front.title),
            escape_markup(&site_title),
        );
        if let Some(desc) = &d.front.description {
            let _ = writeln!(out, "    <summary>{}</summary>", escape_markup(desc));
        }
        let _ = write!(
            out,
            "    <content type=\"html\">{}</content>\n  </entry>\n",
            escape_markup(&absolutize(&site.rendered[p].html, base))
        );
    }
    out.push_str("</feed>\n");
    out
}

/// Feed readers resolve relative links against the feed, not the page: make them absolute.
fn absolutize(html: &str, base: &str) -> String {
    html.replace("href=\"/", &format!("href=\"{base}/"))
        .replace("src=\"/", &format!("src=\"{base}/"))
}

//! Render jobs: what pages exist besides the documents, the views each template receives,
//! and rendering one job to HTML.

use std::collections::HashSet;

use minijinja::{Value, context};
use serde::Serialize;

use super::Site;
use super::doc_urls::{feed_url, print_url};
use super::routes::Route;
use crate::content::{Book, Content, DocId, Kind};
use crate::diagnostics::Diagnostic;
use crate::render::Templates;
use crate::render::views::{
    Alternate, BookNav, Link, PageView, SiteView, Summary, TermGroup, TocEntry, to_value,
};

/// One output page.
#[derive(Debug, Clone)]
pub enum Job {
    Doc(DocId),
    /// A book's print page (index into `content.books`).
    Print(usize),
    /// A taxonomy's list of terms (index into `taxonomies.pages`).
    Taxonomy(usize),
    /// One term's list of pages.
    Term(usize, usize),
    NotFound(String),
    /// A redirect page from an old URL to a document.
    Alias(DocId, String),
    /// A page of a generated area (an index into the site's routes).
    Area(usize),
}

/// A page of one of the generated areas, as listed in the site's routes.
#[derive(Debug, Clone)]
pub enum AreaPage {
    Survey(super::surveys::SurveyPage),
    Benchmark(super::benchmark::Page),
    Ims(super::ims::Page),
    Sectors(super::sectors::Page),
    Search,
}

impl Job {
    /// Whether the page goes into the search index: not the lists, redirects, error pages and
    /// print pages that only repeat what other pages say.
    pub fn searchable(&self, site: &Site) -> bool {
        match self {
            Job::Doc(_) => true,
            Job::Area(i) => site.routes[*i].searchable,
            Job::Print(_)
            | Job::Taxonomy(_)
            | Job::Term(..)
            | Job::NotFound(_)
            | Job::Alias(..) => false,
        }
    }

    pub fn lang<'a>(&'a self, site: &'a Site) -> &'a str {
        match self {
            Job::Doc(id) | Job::Alias(id, _) => &site.content.docs[*id].lang,
            Job::Print(b) => &site.content.docs[site.content.books[*b].root].lang,
            Job::Taxonomy(t) | Job::Term(t, _) => &site.taxonomies.pages[*t].lang,
            Job::NotFound(lang) => lang,
            Job::Area(i) => &site.routes[*i].lang,
        }
    }
}

/// Every page of the site.
pub fn jobs(site: &Site) -> Vec<Job> {
    let content = &site.content;
    // Documents naming a missing template are already reported by `check_templates`.
    let mut jobs: Vec<Job> = (0..content.docs.len())
        .filter(|&id| {
            !content.docs[id].url.is_empty() && site.templates.exists(&template_for(content, id))
        })
        .map(Job::Doc)
        .collect();
    jobs.extend((0..content.books.len()).map(Job::Print));
    for (ti, t) in site.taxonomies.pages.iter().enumerate() {
        jobs.push(Job::Taxonomy(ti));
        jobs.extend((0..t.terms.len()).map(|i| Job::Term(ti, i)));
    }
    jobs.extend(content.homes.keys().map(|l| Job::NotFound(l.clone())));
    jobs.extend(
        site.routes
            .iter()
            .enumerate()
            .filter(|(_, r)| r.page.is_some())
            .map(|(i, _)| Job::Area(i)),
    );
    for (id, d) in content.docs.iter().enumerate() {
        jobs.extend(
            d.front
                .aliases
                .iter()
                .map(|a| Job::Alias(id, normalize_alias(&a.value))),
        );
    }
    jobs
}

/// The pages that show document `id` (itself, its section's list, its book, its terms).
pub fn jobs_showing(site: &Site, id: DocId) -> Vec<Job> {
    let content = &site.content;
    let mut jobs = vec![Job::Doc(id)];
    if let Some(p) = content.docs[id].parent {
        jobs.push(Job::Doc(p));
    }
    if let Some(b) = content.books.iter().position(|b| b.chapters.contains(&id)) {
        jobs.push(Job::Print(b));
    }
    for (ti, t) in site.taxonomies.pages.iter().enumerate() {
        for (i, term) in t.terms.iter().enumerate() {
            if term.docs.contains(&id) {
                jobs.push(Job::Term(ti, i));
            }
        }
    }
    jobs
}

impl Job {
    fn url_path(&self, site: &Site) -> String {
        let content = &site.content;
        match self {
            Job::Doc(id) => content.docs[*id].url.clone(),
            Job::Print(b) => {
                print_url(content, &site.strings, content.books[*b].root).unwrap_or_default()
            }
            Job::Taxonomy(t) => site.taxonomies.pages[*t].url.clone(),
            Job::Term(t, i) => site.taxonomies.pages[*t].terms[*i].url.clone(),
            Job::NotFound(lang) => format!("{}404.html", site.config.language_prefix(lang)),
            Job::Alias(_, alias) => alias.clone(),
            // Rendered by the area, which knows its own URL.
            Job::Area(_) => String::new(),
        }
    }
}

/// Renders one page of a generated area; returns its URL path and HTML.
fn render_area(site: &Site, route: &Route<AreaPage>) -> Result<(String, String), Diagnostic> {
    let lang = &route.lang;
    match &route.page {
        Some(AreaPage::Survey(page)) => {
            crate::survey::pages::render(&site.catalogue, *page, lang, None)
        }
        Some(AreaPage::Benchmark(page)) => super::benchmark::render(site, page, lang),
        Some(AreaPage::Ims(page)) => super::ims::render::render(site, page, lang),
        Some(AreaPage::Sectors(page)) => super::sectors::render(site, page, lang),
        Some(AreaPage::Search) => super::search::render(site, lang),
        None => Err(Diagnostic::error(
            &route.url,
            "a data file was listed as a page to render",
        )),
    }
}

/// Renders one job; returns its URL path and HTML.
pub fn render_job(site: &Site, job: &Job) -> Result<(String, String), Diagnostic> {
    let lang = job.lang(site).to_string();
    let site_value = site.site_values.get(&lang).cloned().unwrap_or_default();
    let url = job.url_path(site);
    let (template, ctx, file): (String, Value, Option<&str>) = match job {
        Job::Doc(id) => {
            let d = &site.content.docs[*id];
            let view = page_view(site, *id);
            (
                template_for(&site.content, *id),
                context! { site => site_value, page => to_value(&view), lang => lang },
                Some(d.file.as_str()),
            )
        }
        Job::Print(b) => {
            let book = &site.content.books[*b];
            let root = &site.content.docs[book.root];
            // The same book's print page in the other languages.
            let alternates = std::iter::once(book.root)
                .chain(root.translations.iter().copied())
                .filter_map(|r| {
                    let url = print_url(&site.content, &site.strings, r)?;
                    site.content
                        .books
                        .iter()
                        .any(|b| b.root == r)
                        .then(|| (site.content.docs[r].lang.clone(), url))
                })
                .collect();
            let view = special_view(site, "print", &root.front.title, &url, &lang, alternates);
            let chapters = print_chapters(site, book);
            // Made from this page by `.ci/book-pdf.mjs` when the site is deployed.
            let pdf = format!("{url}{}.pdf", crate::text::slugify(&root.front.title));
            (
                "book_print.html".into(),
                context! { site => site_value, page => to_value(&view), chapters => chapters, pdf => pdf, lang => lang },
                Some(root.file.as_str()),
            )
        }
        Job::Taxonomy(t) => {
            let tp = &site.taxonomies.pages[*t];
            let title = &site.config.taxonomies[tp.taxonomy].title[&lang];
            let alternates = site
                .taxonomies
                .pages
                .iter()
                .filter(|o| o.taxonomy == tp.taxonomy)
                .map(|o| (o.lang.clone(), o.url.clone()))
                .collect();
            let view = special_view(site, "taxonomy", title, &url, &lang, alternates);
            let terms: Vec<TermLink> = tp
                .terms
                .iter()
                .map(|t| TermLink {
                    name: t.name.clone(),
                    url: t.url.clone(),
                    count: t.docs.len(),
                })
                .collect();
            (
                "taxonomy.html".into(),
                context! { site => site_value, page => to_value(&view), terms => to_value(&terms), lang => lang },
                None,
            )
        }
        Job::Term(t, i) => {
            let tp = &site.taxonomies.pages[*t];
            let term = &tp.terms[*i];
            let view = special_view(site, "term", &term.name, &url, &lang, Vec::new());
            let taxonomy = Link {
                title: site.config.taxonomies[tp.taxonomy].title[&lang].clone(),
                url: tp.url.clone(),
            };
            let list: Vec<Value> = term
                .docs
                .iter()
                .map(|&d| site.summaries[d].clone())
                .collect();
            (
                "term.html".into(),
                context! { site => site_value, page => to_value(&view), taxonomy => to_value(&taxonomy), pages => list, lang => lang },
                None,
            )
        }
        Job::NotFound(l) => {
            let title = site.strings.get(l, "not_found_title").unwrap_or("404");
            let alternates = site
                .content
                .homes
                .keys()
                .map(|o| {
                    (
                        o.clone(),
                        format!("{}404.html", site.config.language_prefix(o)),
                    )
                })
                .collect();
            let view = special_view(site, "404", title, &url, &lang, alternates);
            (
                "404.html".into(),
                context! { site => site_value, page => to_value(&view), lang => lang },
                None,
            )
        }
        Job::Alias(id, _) => {
            let d = &site.content.docs[*id];
            let view = special_view(site, "alias", &d.front.title, &url, &lang, Vec::new());
            let target = format!("{}{}", site.config.base_url, d.url);
            (
                "alias.html".into(),
                context! { site => site_value, page => to_value(&view), target => target, lang => lang },
                Some(d.file.as_str()),
            )
        }
        Job::Area(i) => return render_area(site, &site.routes[*i]),
    };
    let html = site.templates.render(&template, ctx, file)?;
    Ok((url, html))
}

#[derive(Serialize)]
struct TermLink {
    name: String,
    url: String,
    count: usize,
}

/// The template a document uses: its `template:` or the default for its kind.
fn template_for(content: &Content, id: DocId) -> String {
    let d = &content.docs[id];
    if let Some(t) = &d.front.template {
        return t.value.clone();
    }
    if d.is_home() {
        "index.html".into()
    } else if d.book.is_some() {
        "book.html".into()
    } else if d.kind == Kind::Section {
        "section.html".into()
    } else {
        "page.html".into()
    }
}

/// A `template:` that names no template is an error at that line; so is a missing default.
pub fn check_templates(templates: &Templates, content: &Content) -> Vec<Diagnostic> {
    let mut diags = Vec::new();
    let mut needed: HashSet<String> = ["404.html".to_string()].into();
    if !content.books.is_empty() {
        needed.insert("book_print.html".into());
    }
    if content.docs.iter().any(|d| !d.front.aliases.is_empty()) {
        needed.insert("alias.html".into());
    }
    for (id, d) in content.docs.iter().enumerate() {
        if let Some(t) = &d.front.template {
            if !templates.exists(&t.value) {
                let (line, col) = d.front_location(&t.referenced);
                diags.push(
                    Diagnostic::error(&d.file, format!("template `{}` does not exist", t.value))
                        .at(line, col)
                        .help("name a file in templates/, e.g. `template: page.html`, or remove the key"),
                );
            }
        } else if !d.url.is_empty() {
            needed.insert(template_for(content, id));
        }
    }
    let mut needed: Vec<String> = needed.into_iter().collect();
    needed.sort();
    for name in needed {
        if !templates.exists(&name) {
            diags.push(
                Diagnostic::error(
                    format!("templates/{name}"),
                    format!("template `{name}` does not exist"),
                )
                .help("the site needs it; add the file to templates/"),
            );
        }
    }
    diags
}

fn normalize_alias(alias: &str) -> String {
    let last = alias.rsplit('/').next().unwrap_or_default();
    if alias.ends_with('/') || last.contains('.') {
        alias.to_string()
    } else {
        format!("{alias}/")
    }
}

/// Aliases must be absolute paths that no page or file already uses.
pub fn check_aliases(content: &Content, files: &HashSet<String>) -> Vec<Diagnostic> {
    let mut diags = Vec::new();
    let mut seen: HashSet<String> = HashSet::new();
    for d in &content.docs {
        for a in &d.front.aliases {
            let (line, col) = d.front_location(&a.referenced);
            let alias = normalize_alias(&a.value);
            let problem = if !alias.starts_with('/') {
                Some("must start with `/`, e.g. `/eski/adres/`".to_string())
            } else if content.by_url.contains_key(&alias) || files.contains(&alias) {
                Some("is already the URL of a page or file".to_string())
            } else if !seen.insert(alias.clone()) {
                Some("is declared twice".to_string())
            } else {
                None
            };
            if let Some(p) = problem {
                diags.push(
                    Diagnostic::error(&d.file, format!("alias `{}` {p}", a.value))
                        .at(line, col)
                        .help("an alias is an old address that redirects to this page"),
                );
            }
        }
    }
    diags
}

pub fn site_value(site: &Site, lang: &str) -> Value {
    let config = &site.config;
    let content = &site.content;
    let menu = content
        .homes
        .get(lang)
        .map(|&h| {
            content.docs[h]
                .children
                .iter()
                .map(|&c| link(content, c))
                .collect()
        })
        .unwrap_or_default();
    let languages = config
        .languages
        .iter()
        .filter(|l| content.homes.contains_key(&l.code))
        .map(|l| Link {
            title: l.name.clone(),
            url: config.language_prefix(&l.code),
        })
        .collect();
    let taxonomies = site
        .taxonomies
        .pages
        .iter()
        .filter(|p| p.lang == lang)
        .map(|p| Link {
            title: config.taxonomies[p.taxonomy].title[lang].clone(),
            url: p.url.clone(),
        })
        .collect();
    let locale = config
        .language(lang)
        .map(|l| l.locale.clone())
        .unwrap_or_default();
    to_value(&SiteView {
        title: config.title.get(lang).cloned().unwrap_or_default(),
        description: config.description.get(lang).cloned().unwrap_or_default(),
        base_url: config.base_url.clone(),
        lang: lang.to_string(),
        locale,
        home_url: config.language_prefix(lang),
        default_lang: config.default_language().to_string(),
        languages,
        menu,
        taxonomies,
        dev: site.options.dev,
        surveys_url: (!site.surveys.is_empty())
            .then(|| super::surveys::base_url(config, &site.strings, lang))
            .flatten(),
        search_url: super::search::url(config, &site.strings, lang),

        ims_menu: super::ims::menu(&site.ims, config, &site.strings, lang),
        data_menu: data_menu(site, lang),
        collector_url: config.collector_url.clone(),
        generator: format!("Kume {}", env!("CARGO_PKG_VERSION")),
    })
}

/// The cluster directory, the benchmark and the sector analysis, for the pages the site has.
fn data_menu(site: &Site, lang: &str) -> Vec<Link> {
    let (config, strings) = (&site.config, &site.strings);
    let has_clusters = !site.bench.data.clusters.is_empty();
    let entries = [
        (
            has_clusters,
            super::benchmark::urls::directory_url(config, strings, lang),
            "clusters_title",
        ),
        (
            has_clusters && !site.bench.data.indicators.is_empty(),
            super::benchmark::urls::overview_url(config, strings, lang),
            "benchmark_menu",
        ),
        (
            site.sectors.any(),
            super::sectors::overview_url(config, strings, lang),
            "sector_analysis_title",
        ),
    ];
    entries
        .into_iter()
        .filter_map(|(shown, url, key)| {
            Some(Link {
                title: strings.get(lang, key)?.to_string(),
                url: url.filter(|_| shown)?,
            })
        })
        .collect()
}

fn link(content: &Content, id: DocId) -> Link {
    let d = &content.docs[id];
    Link {
        title: d.front.title.clone(),
        url: d.url.clone(),
    }
}

pub fn summary_value(site: &Site, id: DocId) -> Value {
    let d = &site.content.docs[id];
    let number = site
        .content
        .book_of(id)
        .and_then(|b| b.numbers.get(&id).cloned());
    to_value(&Summary {
        title: d.front.title.clone(),
        url: d.url.clone(),
        kind: d.kind.name(),
        description: d.front.description.clone(),
        summary: site
            .rendered
            .get(id)
            .map(|r| shorten(&r.summary, 240))
            .unwrap_or_default(),
        date: d.date.map(|x| x.iso()),
        number,
    })
}

/// Cuts text at a word boundary, adding an ellipsis when it was cut.
fn shorten(text: &str, max: usize) -> String {
    let Some((end, _)) = text.char_indices().nth(max) else {
        return text.to_string();
    };
    let cut = &text[..end];
    let cut = cut.rsplit_once(' ').map_or(cut, |(a, _)| a);
    format!("{}…", cut.trim_end_matches([',', '.', ';', ':']))
}

pub fn book_toc(site: &Site, book: &Book) -> Value {
    fn entries(content: &Content, book: &Book, id: DocId) -> Vec<TocEntry> {
        content.docs[id]
            .children
            .iter()
            .map(|&c| TocEntry {
                title: content.docs[c].front.title.clone(),
                url: content.docs[c].url.clone(),
                number: book.numbers.get(&c).cloned(),
                children: entries(content, book, c),
            })
            .collect()
    }
    to_value(&entries(&site.content, book, book.root))
}

fn alternates(site: &Site, id: DocId) -> Vec<Alternate> {
    let content = &site.content;
    let d = &content.docs[id];
    site.config
        .languages
        .iter()
        .filter(|l| content.homes.contains_key(&l.code))
        .map(|l| {
            let translation = if l.code == d.lang {
                Some(id)
            } else {
                d.translations
                    .iter()
                    .copied()
                    .find(|&t| content.docs[t].lang == l.code)
            };
            Alternate {
                code: l.code.clone(),
                name: l.name.clone(),
                url: translation.map_or_else(
                    || site.config.language_prefix(&l.code),
                    |t| content.docs[t].url.clone(),
                ),
                translated: translation.is_some(),
                current: l.code == d.lang,
            }
        })
        .collect()
}

fn page_view(site: &Site, id: DocId) -> PageView {
    let content = &site.content;
    let d = &content.docs[id];
    let r = &site.rendered[id];
    let taxonomies = d
        .front
        .taxonomies
        .iter()
        .filter_map(|(name, terms)| {
            let ti = site
                .config
                .taxonomies
                .iter()
                .position(|t| &t.name == name)?;
            let tp = site.taxonomies.find(ti, &d.lang)?;
            let terms = terms
                .value
                .iter()
                .filter_map(|t| tp.terms.iter().find(|x| x.slug == crate::text::slugify(t)))
                .map(|t| Link {
                    title: t.name.clone(),
                    url: t.url.clone(),
                })
                .collect();
            Some(TermGroup {
                name: name.clone(),
                title: site.config.taxonomies[ti].title[&d.lang].clone(),
                terms,
            })
        })
        .collect();
    PageView {
        kind: d.kind.name(),
        title: d.front.title.clone(),
        description: d
            .front
            .description
            .clone()
            .unwrap_or_else(|| shorten(&r.summary, 160)),
        date: d.date.map(|x| x.iso()),
        url: d.url.clone(),
        permalink: format!("{}{}", site.config.base_url, d.url),
        lang: d.lang.clone(),
        source: d.file.clone(),
        content: Value::from_safe_string(r.html.clone()),
        toc: r
            .headings
            .iter()
            .filter(|h| (2..=3).contains(&h.level))
            .cloned()
            .collect(),
        word_count: r.word_count,
        reading_minutes: r.word_count.div_ceil(200).max(1),
        alternates: alternates(site, id),
        taxonomies,
        extra: d.front.extra.as_ref().map(to_value).unwrap_or_default(),
        breadcrumbs: content
            .ancestors(id)
            .into_iter()
            .map(|a| link(content, a))
            .collect(),
        children: d
            .children
            .iter()
            .map(|&c| site.summaries[c].clone())
            .collect(),
        book: book_nav(site, id),
        feed_url: d.front.feed.then(|| feed_url(&d.url)),
    }
}

fn book_nav(site: &Site, id: DocId) -> Option<BookNav> {
    let content = &site.content;
    let book = content.book_of(id)?;
    let pos = book.chapters.iter().position(|&c| c == id)?;
    let nav_link = |i: usize| {
        let c = *book.chapters.get(i)?;
        let title = match book.numbers.get(&c) {
            Some(n) => format!("{n}. {}", content.docs[c].front.title),
            None => content.docs[c].front.title.clone(),
        };
        Some(Link {
            title,
            url: content.docs[c].url.clone(),
        })
    };
    let root = &content.docs[book.root];
    Some(BookNav {
        title: root.front.title.clone(),
        url: root.url.clone(),
        print_url: print_url(content, &site.strings, book.root).unwrap_or_default(),
        toc: site.book_tocs.get(&book.root).cloned().unwrap_or_default(),
        number: book.numbers.get(&id).cloned(),
        prev: pos.checked_sub(1).and_then(nav_link),
        next: nav_link(pos + 1),
    })
}

/// A page that is not a document (print page, taxonomy, 404, redirect).
pub(super) fn special_view(
    site: &Site,
    kind: &'static str,
    title: &str,
    url: &str,
    lang: &str,
    alternates: Vec<(String, String)>,
) -> PageView {
    PageView::special(&site.config, kind, title, url, lang, alternates)
}

#[derive(Serialize)]
struct PrintChapter {
    title: String,
    number: Option<String>,
    anchor: String,
    /// 1 for the book's introduction, 2 for its parts, …
    depth: usize,
    content: Value,
}

fn print_chapters(site: &Site, book: &Book) -> Value {
    let content = &site.content;
    let chapters: Vec<PrintChapter> = book
        .chapters
        .iter()
        .map(|&c| {
            let d = &content.docs[c];
            PrintChapter {
                title: d.front.title.clone(),
                number: book.numbers.get(&c).cloned(),
                anchor: crate::text::slugify(&d.url),
                depth: book
                    .numbers
                    .get(&c)
                    .map_or(1, |n| n.matches('.').count() + 2),
                content: Value::from_safe_string(
                    site.rendered[c].print_html.clone().unwrap_or_default(),
                ),
            }
        })
        .collect();
    to_value(&chapters)
}

#[cfg(test)]
mod tests {
    use super::shorten;

    #[test]
    fn a_summary_is_cut_at_a_word_boundary_counting_characters() {
        assert_eq!(shorten("Küme", 4), "Küme");
        assert_eq!(shorten("İğdır çalıştayı", 15), "İğdır çalıştayı");
        assert_eq!(shorten("İğdır çalıştayı", 14), "İğdır…");
        assert_eq!(shorten("Bir, iki üç", 7), "Bir…");
        assert_eq!(shorten("Kümelenme", 3), "Küm…");
    }
}

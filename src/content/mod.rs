//! The content model: every Markdown file under `site/content/` as a [`Document`], arranged
//! into sections per language, with URLs, translations, ordering and books resolved.
//!
//! Loading goes: read and split every file (in parallel) → drop drafts → find each
//! document's section → compute URLs from slugs → detect URL collisions → order children →
//! link translations → number the books. Problems are collected, not thrown.

pub mod front_matter;
pub mod sources;
pub mod template_links;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use walkdir::WalkDir;

use crate::config::{CONTENT_DIR, Config};
use crate::diagnostics::{Diagnostic, display_path, walk_error};
use crate::text::{Collation, Date, did_you_mean, is_slug, slugify};
use front_matter::FrontMatter;

pub type DocId = usize;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Page,
    /// A folder's `_index.md`: the section's own page, listing its children.
    Section,
}

impl Kind {
    /// The name templates see in `page.kind`.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Page => "page",
            Kind::Section => "section",
        }
    }
}

/// One Markdown file in one language.
#[derive(Debug, Clone)]
pub struct Document {
    pub kind: Kind,
    /// Display path from the site root: `site/content/rehber/_index.en.md`.
    pub file: String,
    /// Path inside the content folder: `rehber/_index.en.md`.
    pub rel: String,
    /// The same path in the default language (`rehber/_index.md`): shared by translations.
    pub key: String,
    /// The folder of the section this document is (Section) or belongs to (Page).
    pub dir: String,
    pub lang: String,
    pub front: FrontMatter,
    pub date: Option<Date>,
    pub body: String,
    pub body_line: usize,
    pub raw_front: String,
    /// Pretty URL path, e.g. `/en/guide/cluster-analysis/`.
    pub url: String,
    pub parent: Option<DocId>,
    /// Sections only: pages and subsections, in display order.
    pub children: Vec<DocId>,
    /// The same document in the other languages.
    pub translations: Vec<DocId>,
    /// The root section of the book this document is part of.
    pub book: Option<DocId>,
}

impl Document {
    /// A line:column inside the front matter from a YAML location.
    pub fn front_location(&self, loc: &serde_saphyr::Location) -> (usize, usize) {
        (loc.line() as usize + 1, loc.column() as usize)
    }

    pub fn is_home(&self) -> bool {
        self.kind == Kind::Section && self.dir.is_empty()
    }
}

/// A book: a section marked `book: true`, read in order like chapters.
#[derive(Debug, Clone)]
pub struct Book {
    pub root: DocId,
    /// Every chapter in reading order, the book's own introduction first.
    pub chapters: Vec<DocId>,
    /// Chapter numbers such as `1.2` (the introduction has none).
    pub numbers: HashMap<DocId, String>,
}

/// All documents of the site and the indexes the build needs.
#[derive(Debug, Default)]
pub struct Content {
    pub docs: Vec<Document>,
    pub by_url: HashMap<String, DocId>,
    pub by_rel: HashMap<String, DocId>,
    /// (translation key, language) → document.
    pub by_key: HashMap<(String, String), DocId>,
    /// Files that could not be read or parsed (already reported); links to them are not.
    pub failed: HashSet<String>,
    /// Home section per language.
    pub homes: BTreeMap<String, DocId>,
    pub books: Vec<Book>,
}

impl Content {
    /// Frees every document's Markdown once it is rendered. `kume serve` reads an edited
    /// file again before rendering it.
    pub fn release_bodies(&mut self) {
        for doc in &mut self.docs {
            doc.body = String::new();
        }
    }

    /// The document in `lang` for translation key `key`.
    pub fn translation(&self, key: &str, lang: &str) -> Option<DocId> {
        self.by_key
            .get(&(key.to_string(), lang.to_string()))
            .copied()
    }

    pub fn book_of(&self, id: DocId) -> Option<&Book> {
        let root = self.docs[id].book?;
        self.books.iter().find(|b| b.root == root)
    }

    /// Ancestors from the home section down to the parent of `id`.
    pub fn ancestors(&self, id: DocId) -> Vec<DocId> {
        let mut chain = Vec::new();
        let mut cur = self.docs[id].parent;
        while let Some(p) = cur {
            chain.push(p);
            cur = self.docs[p].parent;
        }
        chain.reverse();
        chain
    }
}

/// Reads every document under `site/content/` of `config.root`.
pub fn load(config: &Config, include_drafts: bool) -> (Content, Vec<Diagnostic>) {
    let content_root = config.path(CONTENT_DIR);
    let mut diags = Vec::new();
    let files = list_files(&config.root, &content_root, &mut diags);
    let parsed = read_each(&files, |path| read_document(config, &content_root, path));
    let mut docs = Vec::new();
    let mut failed = HashSet::new();
    for (p, path) in parsed.into_iter().zip(&files) {
        match p {
            Ok(d) => docs.push(d),
            Err(d) => {
                failed.insert(display_path(&content_root, path));
                diags.push(d);
            }
        }
    }
    let docs = drop_drafts(docs, include_drafts);
    let mut content = Content {
        docs,
        failed,
        ..Content::default()
    };
    for (id, d) in content.docs.iter().enumerate() {
        content.by_rel.insert(d.rel.clone(), id);
        content.by_key.insert((d.key.clone(), d.lang.clone()), id);
    }
    link_sections(config, &mut content, &mut diags);
    assign_urls(config, &mut content, &mut diags);
    order_children(config, &mut content);
    link_translations(&mut content);
    check_taxonomies(config, &content, &mut diags);
    number_books(&mut content);
    let footnotes: Vec<Diagnostic> = (content.docs.par_iter())
        .flat_map_iter(|doc| sources::footnote_warnings(&doc.file, &doc.body, doc.body_line))
        .collect();
    diags.extend(footnotes);
    (content, diags)
}

fn list_files(root: &Path, content_root: &Path, diags: &mut Vec<Diagnostic>) -> Vec<PathBuf> {
    if !content_root.is_dir() {
        diags.push(
            Diagnostic::error(CONTENT_DIR, "the content folder does not exist")
                .help("create site/content/ with at least an _index.md for the home page"),
        );
        return Vec::new();
    }
    let mut files = Vec::new();
    // A linked file or folder is read where it points: skipping it published a site without
    // the pages its maintainer saw in the folder, and said nothing.
    for entry in WalkDir::new(content_root)
        .follow_links(true)
        .sort_by_file_name()
    {
        match entry {
            Ok(e) if e.file_type().is_file() => {
                let name = e.file_name().to_string_lossy();
                if name.ends_with(".md") {
                    files.push(e.into_path());
                } else if !name.starts_with('.') {
                    diags.push(
                        Diagnostic::warning(display_path(root, e.path()), "this file is not Markdown and is not published")
                            .help("put images and downloads in site/static/ and link them as /path/to/file"),
                    );
                }
            }
            Ok(_) => {}
            Err(e) => diags.push(walk_error(root, CONTENT_DIR, &e)),
        }
    }
    files
}

/// Files read at once while loading: a file that is not in the page cache keeps its reader
/// waiting for the disk, and with one reader per core the cores mostly waited (10,000 files
/// not in the cache, the reading alone: 0.54-0.61 s with two readers, 0.23-0.26 s with 16).
const READERS: usize = 16;

/// `read(path)` for every path, in the same order, on a pool of up to [`READERS`] threads of
/// its own: the disk gets many reads at a time instead of one per core. A small site gets no
/// extra thread; a large one one per 64 files, up to the limit.
fn read_each<T: Send>(paths: &[PathBuf], read: impl Fn(&Path) -> T + Sync + Send) -> Vec<T> {
    let readers = (paths.len() / 64).clamp(1, READERS);
    if readers > 1 {
        // Without the pool (no threads to be had) the files are read one after the other.
        if let Ok(pool) = rayon::ThreadPoolBuilder::new().num_threads(readers).build() {
            return pool.install(|| paths.par_iter().map(|p| read(p)).collect());
        }
    }
    paths.iter().map(|p| read(p)).collect()
}

/// Reads one file and works out its language, translation key and section folder.
pub fn read_document(
    config: &Config,
    content_root: &Path,
    path: &Path,
) -> Result<Document, Diagnostic> {
    let file = display_path(&config.root, path);
    let rel = display_path(content_root, path);
    let text = std::fs::read_to_string(path).map_err(|e| {
        let error = Diagnostic::error(&file, format!("cannot read the file: {e}"));
        match e.kind() {
            std::io::ErrorKind::InvalidData => error.help("save the file as UTF-8"),
            _ => error,
        }
    })?;
    let split = front_matter::split(&text, &file)?;

    let name = rel.rsplit('/').next().unwrap_or(&rel).to_string();
    let folder = rel[..rel.len() - name.len()]
        .trim_end_matches('/')
        .to_string();
    let stem = name.strip_suffix(".md").unwrap_or(&name);
    let (base, lang) = match stem.rsplit_once('.') {
        Some((base, code)) if config.languages.iter().skip(1).any(|l| l.code == code) => {
            (base, code)
        }
        _ => (stem, config.default_language()),
    };
    let kind = if base == "_index" {
        Kind::Section
    } else {
        Kind::Page
    };
    if kind == Kind::Page && (split.front.book || split.front.feed) {
        let key = if split.front.book { "book" } else { "feed" };
        return Err(Diagnostic::error(
            &file,
            format!("`{key}` can only be set on a section (_index.md)"),
        )
        .help("move it into the _index.md of the folder"));
    }
    let key = if folder.is_empty() {
        format!("{base}.md")
    } else {
        format!("{folder}/{base}.md")
    };
    let (kind, lang) = (kind, lang.to_string());
    Ok(Document {
        kind,
        file,
        rel,
        key,
        dir: folder,
        lang,
        front: split.front,
        date: split.date,
        body: split.body,
        body_line: split.body_line,
        raw_front: split.raw_front,
        url: String::new(),
        parent: None,
        children: Vec::new(),
        translations: Vec::new(),
        book: None,
    })
}

/// Drafts are left out, and so is everything inside a draft section.
fn drop_drafts(docs: Vec<Document>, include_drafts: bool) -> Vec<Document> {
    if include_drafts {
        return docs;
    }
    let draft_dirs: HashSet<(String, String)> = docs
        .iter()
        .filter(|d| d.kind == Kind::Section && d.front.draft)
        .map(|d| (d.dir.clone(), d.lang.clone()))
        .collect();
    let under_draft = |d: &Document| {
        draft_dirs.iter().any(|(dir, lang)| {
            *lang == d.lang
                && (d.dir == *dir || d.dir.starts_with(&format!("{dir}/")) || dir.is_empty())
        })
    };
    docs.into_iter()
        .filter(|d| !d.front.draft && !under_draft(d))
        .collect()
}

fn parent_dir(dir: &str) -> Option<&str> {
    if dir.is_empty() {
        None
    } else {
        Some(dir.rsplit_once('/').map_or("", |(p, _)| p))
    }
}

/// The languages that have a home page (`content/_index.md`, `content/_index.en.md`), in the
/// configured order, found without reading the content.
pub fn home_languages(config: &Config) -> Vec<String> {
    config
        .languages
        .iter()
        .filter(|l| config.root.join(index_file("", &l.code, config)).is_file())
        .map(|l| l.code.clone())
        .collect()
}

fn index_file(dir: &str, lang: &str, config: &Config) -> String {
    let name = if lang == config.default_language() {
        "_index.md".to_string()
    } else {
        format!("_index.{lang}.md")
    };
    if dir.is_empty() {
        format!("{CONTENT_DIR}/{name}")
    } else {
        format!("{CONTENT_DIR}/{dir}/{name}")
    }
}

fn link_sections(config: &Config, content: &mut Content, diags: &mut Vec<Diagnostic>) {
    let sections: HashMap<(String, String), DocId> = content
        .docs
        .iter()
        .enumerate()
        .filter(|(_, d)| d.kind == Kind::Section)
        .map(|(id, d)| ((d.dir.clone(), d.lang.clone()), id))
        .collect();
    for id in 0..content.docs.len() {
        let d = &content.docs[id];
        let parent_folder = match d.kind {
            Kind::Page => Some(d.dir.as_str()),
            Kind::Section => parent_dir(&d.dir),
        };
        let Some(folder) = parent_folder else {
            content.homes.insert(d.lang.clone(), id);
            continue;
        };
        match sections.get(&(folder.to_string(), d.lang.clone())) {
            Some(&p) => content.docs[id].parent = Some(p),
            None => {
                let missing = index_file(folder, &d.lang, config);
                diags.push(
                    Diagnostic::error(
                        &d.file,
                        format!(
                            "this page has no section in {}: `{missing}` does not exist",
                            lang_name(config, &d.lang)
                        ),
                    )
                    .help(format!("create {missing} with a title, or move the file")),
                );
            }
        }
    }
}

fn lang_name(config: &Config, code: &str) -> String {
    config
        .language(code)
        .map_or(code, |l| l.name.as_str())
        .to_string()
}

/// Sets every document's URL from its section's URL and its own slug.
fn assign_urls(config: &Config, content: &mut Content, diags: &mut Vec<Diagnostic>) {
    // Parents before children: sort ids by folder depth, sections first.
    let mut order: Vec<DocId> = (0..content.docs.len()).collect();
    order.sort_by_key(|&id| {
        let d = &content.docs[id];
        let depth = if d.dir.is_empty() {
            0
        } else {
            d.dir.matches('/').count() + 1
        };
        (depth, d.kind == Kind::Page)
    });
    for id in order {
        let d = &content.docs[id];
        let url = if d.is_home() {
            config.language_prefix(&d.lang)
        } else {
            let Some(parent) = d.parent else { continue };
            let parent_url = content.docs[parent].url.clone();
            if parent_url.is_empty() {
                continue;
            }
            match segment(d) {
                Ok(seg) => format!("{parent_url}{seg}/"),
                Err(diag) => {
                    diags.push(diag);
                    continue;
                }
            }
        };
        if let Some(&other) = content.by_url.get(&url) {
            diags.push(
                Diagnostic::error(
                    &d.file,
                    format!(
                        "its URL `{url}` is also the URL of {}",
                        content.docs[other].file
                    ),
                )
                .help("give one of them a different `slug:` or file name"),
            );
            continue;
        }
        content.by_url.insert(url.clone(), id);
        content.docs[id].url = url;
    }
}

/// The URL segment of a document: its `slug` or its file/folder name made a slug.
fn segment(d: &Document) -> Result<String, Diagnostic> {
    if let Some(slug) = &d.front.slug {
        if !is_slug(&slug.value) {
            let (line, col) = d.front_location(&slug.referenced);
            return Err(Diagnostic::error(
                &d.file,
                format!("`slug: {}` is not a valid URL slug", slug.value),
            )
            .at(line, col)
            .help(format!(
                "use lower-case ASCII letters, digits and dashes, e.g. `slug: {}`",
                slugify(&slug.value)
            )));
        }
        return Ok(slug.value.clone());
    }
    let name = match d.kind {
        Kind::Section => d.dir.rsplit('/').next().unwrap_or(&d.dir),
        Kind::Page => d
            .key
            .rsplit('/')
            .next()
            .unwrap_or(&d.key)
            .trim_end_matches(".md"),
    };
    let seg = slugify(name);
    if seg.is_empty() {
        return Err(
            Diagnostic::error(&d.file, "the file name gives an empty URL")
                .help("add `slug: …` to the front matter"),
        );
    }
    Ok(seg)
}

/// Sections list their children by weight, then title in the language's alphabetical order;
/// feed sections list the newest first.
fn order_children(config: &Config, content: &mut Content) {
    let collations: HashMap<&str, Collation> = config
        .languages
        .iter()
        .map(|l| (l.code.as_str(), Collation::for_language(&l.code)))
        .collect();
    let mut children: HashMap<DocId, Vec<DocId>> = HashMap::new();
    for (id, d) in content.docs.iter().enumerate() {
        if let (Some(p), false) = (d.parent, d.url.is_empty()) {
            children.entry(p).or_default().push(id);
        }
    }
    for (parent, mut kids) in children {
        let docs = &content.docs;
        let coll = &collations[docs[parent].lang.as_str()];
        let by_date = docs[parent].front.feed;
        kids.sort_by(|&a, &b| {
            let (a, b) = (&docs[a], &docs[b]);
            let first = if by_date {
                b.date.cmp(&a.date)
            } else {
                (a.front.weight.is_none(), a.front.weight)
                    .cmp(&(b.front.weight.is_none(), b.front.weight))
            };
            first
                .then_with(|| coll.compare(&a.front.title, &b.front.title))
                .then_with(|| a.rel.cmp(&b.rel))
        });
        content.docs[parent].children = kids;
    }
}

fn link_translations(content: &mut Content) {
    let mut groups: HashMap<String, Vec<DocId>> = HashMap::new();
    for (id, d) in content.docs.iter().enumerate() {
        if !d.url.is_empty() {
            groups.entry(d.key.clone()).or_default().push(id);
        }
    }
    for ids in groups.values() {
        for &id in ids {
            content.docs[id].translations = ids.iter().copied().filter(|&o| o != id).collect();
        }
    }
}

fn check_taxonomies(config: &Config, content: &Content, diags: &mut Vec<Diagnostic>) {
    let names: Vec<&str> = config.taxonomies.iter().map(|t| t.name.as_str()).collect();
    for d in &content.docs {
        for (name, terms) in &d.front.taxonomies {
            let (line, _) = d.front_location(&terms.referenced);
            if !names.contains(&name.as_str()) {
                let help = match did_you_mean(name, names.iter().copied()) {
                    Some(s) => format!(
                        "did you mean `{s}`? Declared taxonomies: {}",
                        names.join(", ")
                    ),
                    None => format!(
                        "declare it under `taxonomies:` in site/config.yaml, or use one of: {}",
                        names.join(", ")
                    ),
                };
                diags.push(
                    Diagnostic::error(&d.file, format!("unknown taxonomy `{name}`"))
                        .at_line(line)
                        .help(help),
                );
            }
            for term in &terms.value {
                if slugify(term).is_empty() {
                    diags.push(
                        Diagnostic::error(
                            &d.file,
                            format!("taxonomy term `{term}` has no letters or digits"),
                        )
                        .at_line(line),
                    );
                }
            }
        }
    }
}

/// Marks every document inside a book and records the reading order and chapter numbers.
fn number_books(content: &mut Content) {
    let roots: Vec<DocId> = (0..content.docs.len())
        .filter(|&id| {
            let d = &content.docs[id];
            d.kind == Kind::Section
                && d.front.book
                && !d.url.is_empty()
                && !inside_book(content, id)
        })
        .collect();
    for root in roots {
        let mut book = Book {
            root,
            chapters: Vec::new(),
            numbers: HashMap::new(),
        };
        walk_book(content, root, "", &mut book);
        for &ch in &book.chapters {
            content.docs[ch].book = Some(root);
        }
        content.books.push(book);
    }
}

fn inside_book(content: &Content, id: DocId) -> bool {
    content
        .ancestors(id)
        .iter()
        .any(|&a| content.docs[a].front.book)
}

fn walk_book(content: &Content, id: DocId, number: &str, book: &mut Book) {
    book.chapters.push(id);
    if !number.is_empty() {
        book.numbers.insert(id, number.to_string());
    }
    for (i, &child) in content.docs[id].children.iter().enumerate() {
        let n = if number.is_empty() {
            format!("{}", i + 1)
        } else {
            format!("{number}.{}", i + 1)
        };
        walk_book(content, child, &n, book);
    }
}

//! The build, step by step.
//!
//! [`Site::load`]: config → UI strings → templates → content and its Markdown (in parallel,
//! links resolved, anchors checked), beside the data, the surveys, the benchmark and the sector
//! analysis → routes → links to generated files checked. [`Site::render`]: every page, book
//! print page, taxonomy page, 404 and redirect through the templates (in parallel) → sitemap →
//! feeds → robots.txt → Netlify redirects → static files. `kume check` runs both steps and writes
//! nothing; `kume build` writes; `kume serve` keeps the `Site` and re-renders what changed.

mod benchmark;
mod charts;
mod doc_urls;
mod facets;
mod feeds;
mod guide_templates;
pub mod ims;
mod links;
mod output;
mod pages;
mod regions;
mod routes;
mod search;
mod sectors;
pub mod surveys;
mod taxonomies;

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use minijinja::Value;
use rayon::prelude::*;

use crate::config::{CONTENT_DIR, Config, Strings};
use crate::content::{self, Content, DocId, Kind};
use crate::data::ProjectData;
use crate::diagnostics::{Diagnostic, display_path};
use crate::markdown::{self, Rendered};
use crate::render::{Templates, assets};
use crate::survey::catalogue::Catalogue;
use links::{AnchorRef, DocLinks, FileLink};
use output::{Folder, Writer, Written, write_output};
use pages::AreaPage;
use routes::{Route, RouteContext};
use taxonomies::TaxonomyIndex;

/// How a build runs.
#[derive(Debug, Clone, Default)]
pub struct BuildOptions {
    pub root: PathBuf,
    pub include_drafts: bool,
    /// `kume serve`: pages get the live-reload script.
    pub dev: bool,
    /// The benchmark snapshot to render (`--aggregates`).
    pub aggregates: Option<PathBuf>,
}

/// Where rendered files go.
#[derive(Debug, Clone, Copy)]
pub enum Output<'a> {
    Dir(&'a Path),
    /// `kume check`: render everything, keep nothing.
    Discard,
}

/// Counts for the one-line summary.
#[derive(Debug, Default, Clone)]
pub struct BuildStats {
    pub pages: usize,
    pub pages_per_language: Vec<(String, usize)>,
    pub static_files: usize,
    pub elapsed: Duration,
}

impl BuildStats {
    /// `Built 715 pages (en 352, tr 363) and 40 static files in 0.31 s → public`.
    pub fn summary_line(&self, verb: &str, out: Option<&Path>) -> String {
        let langs: Vec<String> = self
            .pages_per_language
            .iter()
            .map(|(l, n)| format!("{l} {n}"))
            .collect();
        let dest = out
            .map(|o| format!(" → {}", o.display()))
            .unwrap_or_default();
        format!(
            "{verb} {} pages ({}) and {} static files in {:.2} s{dest}",
            self.pages,
            langs.join(", "),
            self.static_files,
            self.elapsed.as_secs_f64()
        )
    }
}

/// A loaded site: everything needed to render, kept by `serve` between rebuilds.
pub struct Site {
    pub config: Config,
    pub strings: Strings,
    pub templates: Arc<Templates>,
    pub content: Content,
    pub options: BuildOptions,
    rendered: Vec<Rendered>,
    anchor_refs: Vec<Vec<AnchorRef>>,
    /// URL paths of static and generated files, for link checking.
    files: HashSet<String>,
    statics: Vec<(PathBuf, String)>,
    /// The templates' spreadsheet forms, made from the static templates.
    template_files: Vec<guide_templates::Generated>,
    summaries: Vec<Value>,
    /// Compiled surveys, in file order.
    pub surveys: Vec<crate::survey::compile::Compiled>,
    /// The cluster registry, indicators, references and the snapshot to show.
    pub bench: benchmark::Bench,
    /// The support programmes, actors and audiences of the information pages.
    pub ims: ims::Ims,

    /// What survey pages need, for the survey jobs and the collector.
    pub catalogue: Arc<Catalogue>,
    /// Every page and file of the generated areas: jobs, link checks and the sitemap.
    routes: Vec<Route<AreaPage>>,
    /// The sector analysis, when the project has employment tables.
    sectors: sectors::SectorData,
    site_values: HashMap<String, Value>,
    book_tocs: HashMap<DocId, Value>,
    taxonomies: TaxonomyIndex,
    /// `kume serve`: each language's searchable pages as last rendered, so that an edit
    /// updates the search index without a full rebuild.
    search_pages: std::sync::Mutex<HashMap<String, Vec<search::IndexedPage>>>,
    /// `kume serve`: every search file as last written (URL → JSON), so that an edit rewrites
    /// only the files it changed: one page changes a few of a large index's parts.
    search_files: std::sync::Mutex<HashMap<String, String>>,
}

/// The result of loading: a site when rendering is possible, and every problem found.
pub struct Loaded {
    pub site: Option<Site>,
    pub diagnostics: Vec<Diagnostic>,
}

impl Site {
    /// Loads and checks everything that can be checked before rendering.
    pub fn load(options: &BuildOptions) -> Loaded {
        let mut diags = Vec::new();
        let config = match Config::load(&options.root) {
            Ok(c) => c,
            Err(ds) => {
                return Loaded {
                    site: None,
                    diagnostics: ds,
                };
            }
        };
        let (statics, ds) = assets::list_static(&config);
        diags.extend(ds);
        let strings = Strings::load(&config).map_err(|ds| diags.extend(ds)).ok();
        // Without complete UI strings every page would fail the same way: check the content,
        // but render nothing.
        let templates = strings.as_ref().and_then(|s| {
            Templates::load(&config, s, assets::AssetUrls::new(&config, &statics))
                .map_err(|ds| diags.extend(ds))
                .ok()
        });
        let strings = strings.unwrap_or_default();
        let Parts {
            mut content,
            guide_templates:
                guide_templates::Made {
                    files: template_files,
                    texts: template_texts,
                },
            data,
            surveys,
            bench,
            sectors: sector_data,
            markdown,
        } = load_parts(&config, options, &statics, &strings, &mut diags);
        let taxonomies = TaxonomyIndex::build(&config, &content);
        let mut files = generated_files(&config, &content, &strings, &statics, &taxonomies);
        files.extend(guide_templates::urls(&statics));
        let survey_ids: Vec<&str> = surveys.iter().map(|c| c.survey.id.as_str()).collect();
        let (ims, ds) = ims::Ims::load(&config, &data, &content, &survey_ids);
        diags.extend(ds);

        let langs: Vec<String> = config
            .languages
            .iter()
            .filter(|l| content.homes.contains_key(&l.code))
            .map(|l| l.code.clone())
            .collect();
        let ctx = RouteContext {
            config: &config,
            strings: &strings,
            langs: &langs,
        };
        let sector_routes = sectors::routes(&ctx, &sector_data);
        diags.extend(sectors::check_collisions(&content, &sector_routes));
        let routes = area_routes(&ctx, &surveys, &bench, &ims, sector_routes);
        files.extend(routes.iter().filter_map(Route::file_path));

        let Markdown {
            rendered,
            anchor_refs,
            file_links,
            diagnostics,
        } = markdown;
        diags.extend(diagnostics);
        diags.extend(
            (file_links.iter().enumerate())
                .flat_map(|(id, links)| links::check_file_links(&content, id, links, &files)),
        );
        if let Some(t) = &templates {
            diags.extend(pages::check_templates(t, &content));
        }
        diags.extend(pages::check_aliases(&content, &files));
        diags.extend(check_template_links(&template_texts, &content, &files));
        // From here on the pages need the HTML only: a large site's text is not held twice.
        content.release_bodies();

        let Some(templates) = templates else {
            return Loaded {
                site: None,
                diagnostics: diags,
            };
        };
        let templates = Arc::new(templates);
        let catalogue = Catalogue {
            config: config.clone(),
            strings: strings.clone(),
            templates: templates.clone(),
            surveys: surveys.clone(),
            languages: langs,
            frames: HashMap::new(),
            data: data.clone(),
        };
        let mut site = Site {
            config,
            strings,
            templates,
            content,
            options: options.clone(),
            rendered,
            anchor_refs,
            files,
            statics,
            template_files,
            summaries: Vec::new(),
            surveys,
            bench,
            ims,

            sectors: sector_data,
            routes,
            site_values: HashMap::new(),
            catalogue: Arc::new(catalogue),
            book_tocs: HashMap::new(),
            taxonomies,
            search_pages: std::sync::Mutex::default(),
            search_files: std::sync::Mutex::default(),
        };
        site.prepare_views();
        Loaded {
            site: Some(site),
            diagnostics: diags,
        }
    }

    /// Builds the shared template values once: per-language site values, every document's
    /// summary and every book's table of contents.
    fn prepare_views(&mut self) {
        self.summaries = (0..self.content.docs.len())
            .into_par_iter()
            .map(|id| pages::summary_value(self, id))
            .collect();
        self.site_values = self
            .config
            .languages
            .iter()
            .map(|l| (l.code.clone(), pages::site_value(self, &l.code)))
            .collect();
        self.book_tocs = self
            .content
            .books
            .iter()
            .map(|b| (b.root, pages::book_toc(self, b)))
            .collect();
        Arc::make_mut(&mut self.catalogue).frames = self.site_values.clone();
    }

    /// Renders every output file; writes them when `output` is a folder.
    ///
    /// Pages render in parallel; one writer thread writes every file it is handed, so that
    /// threads never contend for the same folder. It makes each folder when the first file for
    /// it comes: making all 11,000 folders of a 10,000-page site first kept the writer busy for
    /// about 100 ms on ext4, while the full queue held the rendering threads. The search index
    /// of each language is merged from words collected while the pages rendered.
    ///
    /// The site keeps what `kume serve` needs for its next edit: the pages' HTML and the words
    /// of the search index. [`Site::build`] renders once and frees them instead.
    pub fn render(
        &mut self,
        output: Output<'_>,
        progress: &indicatif::ProgressBar,
    ) -> Result<BuildStats, Vec<Diagnostic>> {
        self.render_files(output, progress, true)
    }

    /// `kume build`: renders once, freeing the pages' HTML before the search index is merged
    /// (the build's largest allocation), so it takes the site: a second render would have no
    /// Markdown left to show. Returns the result and the UI strings that templates asked for
    /// and did not find.
    pub fn build(
        mut self,
        output: Output<'_>,
        progress: &indicatif::ProgressBar,
    ) -> (Result<BuildStats, Vec<Diagnostic>>, Vec<Diagnostic>) {
        let result = self.render_files(output, progress, false);
        (result, self.strings.missing())
    }

    fn render_files(
        &mut self,
        output: Output<'_>,
        progress: &indicatif::ProgressBar,
        keep: bool,
    ) -> Result<BuildStats, Vec<Diagnostic>> {
        let start = Instant::now();
        let folder = output::prepare(&self.config.root, output).map_err(|d| vec![d])?;
        let jobs = pages::jobs(self);
        progress.set_length(jobs.len() as u64);
        let (mut errors, per_lang, mut written) = std::thread::scope(|scope| {
            let writer = Writer::start(scope, folder);
            // The feeds and the sitemap need no rendered page: made while the pages render.
            let (
                PagesDone {
                    mut errors,
                    per_lang,
                    indexed,
                },
                feeds,
            ) = rayon::join(
                || self.render_pages(&jobs, &writer, progress),
                || feeds::generated(self),
            );
            if keep {
                *self.search_pages.lock().unwrap_or_else(|e| e.into_inner()) = indexed.clone();
            } else {
                // Every page is written: the pages' HTML makes room for the search index.
                self.rendered = Vec::new();
            }
            let indexes: Vec<(String, String)> = indexed
                .into_par_iter()
                .flat_map(|(lang, mut pages)| self.search_index(&lang, &mut pages))
                .collect();
            if keep {
                *self.search_files.lock().unwrap_or_else(|e| e.into_inner()) =
                    indexes.iter().cloned().collect();
            }
            for (url, index) in indexes {
                writer.write(url, index.into_bytes());
            }
            match feeds {
                Ok(files) => {
                    for (path, body) in files {
                        writer.write(path, body.into_bytes());
                    }
                }
                Err(d) => errors.push(d),
            }
            for (path, bytes) in &self.template_files {
                writer.write(path.clone(), bytes.clone());
            }
            let mut written = writer.finish();
            errors.append(&mut written.errors);
            (errors, per_lang, written)
        });
        if let Some(folder) = folder {
            errors.extend(self.copy_static(folder, &mut written));
            if folder.reused && errors.is_empty() {
                errors.extend(written.previous.sweep(&written.kept));
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        let pages_per_language = self
            .config
            .languages
            .iter()
            .map(|l| (l.code.clone(), per_lang.get(&l.code).copied().unwrap_or(0)))
            .collect();
        Ok(BuildStats {
            pages: per_lang.values().sum(),
            pages_per_language,
            static_files: self.statics.len(),
            elapsed: start.elapsed(),
        })
    }

    /// Renders every job in parallel and hands the HTML to the writer.
    fn render_pages(
        &self,
        jobs: &[pages::Job],
        writer: &Writer,
        progress: &indicatif::ProgressBar,
    ) -> PagesDone {
        type Done<'a> = (&'a str, Option<search::IndexedPage>);
        let results: Vec<Result<Done<'_>, Diagnostic>> = jobs
            .par_iter()
            // rayon stops splitting a range once its splits run out; the last unsplit run of
            // jobs (the heavy sector pages come last) then left one core idle for up to 0.3 s.
            .with_max_len(32)
            .map_init(
                || writer.batch(),
                |batch, job| {
                    let r = pages::render_job(self, job).map(|(url_path, html)| {
                        let lang = job.lang(self);
                        let indexed = job
                            .searchable(self)
                            .then(|| search::index_html(&url_path, &html, lang))
                            .flatten();
                        batch.write(url_path, html.into_bytes());
                        (lang, indexed)
                    });
                    progress.inc(1);
                    r
                },
            )
            .collect();
        let mut errors = Vec::new();
        let mut per_lang: HashMap<String, usize> = HashMap::new();
        let mut indexed: HashMap<String, Vec<search::IndexedPage>> = HashMap::new();
        for r in results {
            match r {
                Ok((lang, page)) => {
                    *per_lang.entry(lang.to_string()).or_default() += 1;
                    let pages = indexed.entry(lang.to_string()).or_default();
                    pages.extend(page);
                }
                Err(d) => errors.push(d),
            }
        }
        PagesDone {
            errors,
            per_lang,
            indexed,
        }
    }

    /// Publishes the static files into `folder`; in a reused folder an unchanged file is left
    /// as it is.
    fn copy_static(&self, folder: Folder<'_>, written: &mut Written) -> Vec<Diagnostic> {
        let previous = &written.previous;
        let (errors, dests): (Vec<Option<Diagnostic>>, Vec<PathBuf>) = self
            .statics
            .par_iter()
            .map(|(src, url)| {
                let dest = folder.dir.join(url.trim_start_matches('/'));
                let r = dest
                    .parent()
                    .map_or(Ok(()), |p| previous.make_dir(folder.dir, p))
                    .and_then(|_| match assets::minified(src)? {
                        Some(text) => previous.put(&dest, text.as_bytes()),
                        None if folder.reused => previous.put(&dest, &std::fs::read(src)?),
                        None => std::fs::copy(src, &dest).map(|_| ()),
                    });
                let error = r.err().map(|e| {
                    Diagnostic::error(
                        display_path(&self.config.root, src),
                        format!("cannot copy to {}: {e}", dest.display()),
                    )
                });
                (error, dest)
            })
            .unzip();
        if folder.reused {
            written.kept.extend(dests);
        }
        errors.into_iter().flatten().collect()
    }

    /// `kume serve`: re-reads one changed Markdown file. When only its body changed, the page
    /// and the pages that show it are re-rendered and written; returns None when the change
    /// needs a full rebuild (front matter, a new or deleted file, or new problems).
    pub fn update_document(&mut self, path: &Path, out: &Path) -> Option<Vec<Diagnostic>> {
        let content_root = self.config.path(CONTENT_DIR);
        let rel = display_path(&content_root, path);
        let id = *self.content.by_rel.get(&rel)?;
        let fresh = content::read_document(&self.config, &content_root, path).ok()?;
        let doc = &self.content.docs[id];
        if fresh.raw_front != doc.raw_front || fresh.kind != doc.kind {
            return None;
        }
        self.content.docs[id].body = fresh.body;
        self.content.docs[id].body_line = fresh.body_line;
        let (rendered, refs, file_links) = render_markdown(&self.content, &self.strings, id);
        self.rendered[id] = rendered;
        self.anchor_refs[id] = refs;
        let mut diags: Vec<Diagnostic> = self.rendered[id].diagnostics.drain(..).collect();
        diags.extend(links::check_file_links(
            &self.content,
            id,
            &file_links,
            &self.files,
        ));
        diags.extend(links::check_anchors(
            &self.content,
            &self.rendered,
            &self.anchor_refs,
        ));
        if !diags.is_empty() {
            return Some(diags);
        }
        self.summaries[id] = pages::summary_value(self, id);
        let mut searched = Vec::new();
        for job in pages::jobs_showing(self, id) {
            match pages::render_job(self, &job).and_then(|(p, html)| {
                write_output(Output::Dir(out), &p, html.as_bytes())?;
                Ok((p, html))
            }) {
                Ok((p, html)) if job.searchable(self) => {
                    searched.extend(search::index_html(&p, &html, job.lang(self)))
                }
                Ok(_) => {}
                Err(d) => diags.push(d),
            }
        }
        let lang = self.content.docs[id].lang.clone();
        diags.extend(self.update_search(&lang, &searched, out));
        let files = feeds::generated(self).unwrap_or_else(|d| {
            diags.push(d);
            Vec::new()
        });
        for (path, body) in files {
            if let Err(d) = write_output(Output::Dir(out), &path, body.as_bytes()) {
                diags.push(d);
            }
        }
        Some(diags)
    }

    /// The search index files of `lang` from its pages (sorted by address, in place), with
    /// their URLs.
    fn search_index(&self, lang: &str, pages: &mut [search::IndexedPage]) -> Vec<(String, String)> {
        let Some(url) = search::index_url(&self.config, &self.strings, lang) else {
            return Vec::new();
        };
        pages.sort_by(|a, b| a.url.cmp(&b.url));
        search::build_index(pages, lang, &url)
    }

    /// `kume serve`: puts the re-rendered pages into their language's search index and writes
    /// the files of that index that changed, so that search finds an edit without a full
    /// rebuild.
    fn update_search(
        &self,
        lang: &str,
        changed: &[search::IndexedPage],
        out: &Path,
    ) -> Vec<Diagnostic> {
        if changed.is_empty() {
            return Vec::new();
        }
        let mut all = self.search_pages.lock().unwrap_or_else(|e| e.into_inner());
        let pages = all.entry(lang.to_string()).or_default();
        for page in changed {
            match pages.iter_mut().find(|p| p.url == page.url) {
                Some(p) => *p = page.clone(),
                None => pages.push(page.clone()),
            }
        }
        let mut written = self.search_files.lock().unwrap_or_else(|e| e.into_inner());
        let mut diags = Vec::new();
        for (url, file) in self.search_index(lang, pages) {
            if written.get(&url) == Some(&file) {
                continue;
            }
            match write_output(Output::Dir(out), &url, file.as_bytes()) {
                Ok(()) => {
                    written.insert(url, file);
                }
                Err(d) => diags.push(d),
            }
        }
        diags
    }

    pub fn docs_count(&self) -> usize {
        self.content
            .docs
            .iter()
            .filter(|d| d.kind == Kind::Page || d.kind == Kind::Section)
            .count()
    }
}

/// The parts of a site that do not need each other.
struct Parts {
    content: Content,
    markdown: Markdown,
    /// The guidebook's templates: their workbooks and their texts.
    guide_templates: guide_templates::Made,
    data: Arc<ProjectData>,
    surveys: Vec<crate::survey::compile::Compiled>,
    bench: benchmark::Bench,
    sectors: sectors::SectorData,
}

/// Loads the [`Parts`] side by side (the surveys and the sector analysis need the lists first,
/// the Markdown its content): on the repository's site the workbooks and the sector analysis
/// took as long as everything else.
fn load_parts(
    config: &Config,
    options: &BuildOptions,
    statics: &[(PathBuf, String)],
    strings: &Strings,
    diags: &mut Vec<Diagnostic>,
) -> Parts {
    let ((data, (surveys, bench), sectors), ((content, markdown), guide_templates)) = rayon::join(
        || {
            // Reading and analysing the employment tables is the longest chain of the loading:
            // this thread starts it the moment the lists are read; the other takes the rest.
            let (mut data, mut data_diags) = ProjectData::load_lists(config);
            let sector_lists = data.lists.clone();
            let (sectors, surveys_bench) = rayon::join(
                || sectors::SectorData::load(config, sector_lists),
                || {
                    let surveys = crate::survey::compile::load_all(config, &data.lists);
                    data.load_rest(config, &mut data_diags);
                    let bench = benchmark::Bench::load(
                        config,
                        &data,
                        &surveys.0,
                        options.aggregates.as_deref(),
                    );
                    (surveys, bench)
                },
            );
            ((data, data_diags), surveys_bench, sectors)
        },
        || {
            rayon::join(
                || {
                    let content = content::load(config, options.include_drafts);
                    let markdown = render_all_markdown(&content.0, strings);
                    (content, markdown)
                },
                || guide_templates::generate(config, statics),
            )
        },
    );
    Parts {
        content: keep(diags, content),
        markdown,
        guide_templates: keep(diags, guide_templates),
        data: Arc::new(keep(diags, data)),
        surveys: keep(diags, surveys),
        bench: keep(diags, bench),
        sectors: keep(diags, sectors),
    }
}

/// A loaded value, its problems added to `diags`.
fn keep<T>(diags: &mut Vec<Diagnostic>, (value, problems): (T, Vec<Diagnostic>)) -> T {
    diags.extend(problems);
    value
}

/// The routes of every generated area, in one list.
fn area_routes(
    ctx: &RouteContext<'_>,
    surveys: &[crate::survey::compile::Compiled],
    bench: &benchmark::Bench,
    ims: &ims::Ims,
    sector_routes: Vec<Route<sectors::Page>>,
) -> Vec<Route<AreaPage>> {
    let mut routes: Vec<Route<AreaPage>> = Vec::new();
    routes.extend(
        surveys::routes(ctx, surveys)
            .into_iter()
            .map(|r| r.map(AreaPage::Survey)),
    );
    routes.extend(
        benchmark::urls::routes(ctx, bench)
            .into_iter()
            .map(|r| r.map(AreaPage::Benchmark)),
    );
    routes.extend(
        ims::routes(ctx, ims)
            .into_iter()
            .map(|r| r.map(AreaPage::Ims)),
    );
    routes.extend(sector_routes.into_iter().map(|r| r.map(AreaPage::Sectors)));
    routes.extend(
        search::routes(ctx)
            .into_iter()
            .map(|r| r.map(|()| AreaPage::Search)),
    );
    routes
}

/// Every document's Markdown, rendered.
struct Markdown {
    rendered: Vec<Rendered>,
    anchor_refs: Vec<Vec<AnchorRef>>,
    /// Each document's links to URLs that are no page, checked once the generated files are
    /// known.
    file_links: Vec<Vec<FileLink>>,
    /// The problems found, the anchor checks across documents among them.
    diagnostics: Vec<Diagnostic>,
}

/// Every document's Markdown, in parallel.
fn render_all_markdown(content: &Content, strings: &Strings) -> Markdown {
    let results: Vec<_> = (0..content.docs.len())
        .into_par_iter()
        .map(|id| render_markdown(content, strings, id))
        .collect();
    let mut md = Markdown {
        rendered: Vec::with_capacity(results.len()),
        anchor_refs: Vec::with_capacity(results.len()),
        file_links: Vec::with_capacity(results.len()),
        diagnostics: Vec::new(),
    };
    for (mut rendered, anchors, files) in results {
        md.diagnostics.append(&mut rendered.diagnostics);
        md.rendered.push(rendered);
        md.anchor_refs.push(anchors);
        md.file_links.push(files);
    }
    md.diagnostics
        .extend(links::check_anchors(content, &md.rendered, &md.anchor_refs));
    md
}

fn render_markdown(
    content: &Content,
    strings: &Strings,
    id: DocId,
) -> (Rendered, Vec<AnchorRef>, Vec<FileLink>) {
    let doc = &content.docs[id];
    if doc.url.is_empty() {
        return Default::default();
    }
    let resolver = DocLinks::new(content, id);
    let table_label = strings.get(&doc.lang, "table").unwrap_or("Table");
    // On the book's print page, chapter headings sit under the chapter's title (an h2), except
    // in the book's own introduction, which sits under the page's h1.
    let print_shift = doc.book.map(|root| if root == id { 0 } else { 1 });
    let rendered = markdown::render(
        &doc.body,
        doc.body_line,
        &resolver,
        print_shift,
        table_label,
    );
    (
        rendered,
        resolver.anchors.into_inner(),
        resolver.file_links.into_inner(),
    )
}

/// Every page address named in a guidebook template exists (see `content::template_links`).
fn check_template_links(
    templates: &[guide_templates::TemplateText],
    content: &Content,
    files: &HashSet<String>,
) -> Vec<Diagnostic> {
    crate::content::template_links::check(templates, |address| {
        content.docs.iter().any(|d| d.url == address)
            || files.contains(address)
            || files.contains(&format!("{address}index.html"))
    })
}

/// URL paths of everything that is not a content page: static files and generated files.
fn generated_files(
    config: &Config,
    content: &Content,
    strings: &Strings,
    statics: &[(PathBuf, String)],
    tax: &TaxonomyIndex,
) -> HashSet<String> {
    let mut files: HashSet<String> = statics.iter().map(|(_, u)| u.clone()).collect();
    files.insert("/sitemap.xml".into());
    files.insert("/robots.txt".into());
    for l in &config.languages {
        files.insert(format!("{}404.html", config.language_prefix(&l.code)));
    }
    for d in &content.docs {
        if d.front.feed && !d.url.is_empty() {
            files.insert(doc_urls::feed_url(&d.url));
        }
    }
    for book in &content.books {
        if let Some(url) = doc_urls::print_url(content, strings, book.root) {
            files.insert(format!("{url}index.html"));
        }
    }
    for url in tax.urls() {
        files.insert(format!("{url}index.html"));
    }
    files
}

/// What rendering the pages leaves besides the files.
struct PagesDone {
    errors: Vec<Diagnostic>,
    /// Pages per language code.
    per_lang: HashMap<String, usize>,
    /// The searchable pages of each language.
    indexed: HashMap<String, Vec<search::IndexedPage>>,
}

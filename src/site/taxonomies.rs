//! Taxonomies (sector, province, audience, …): which pages carry which term, per language.

use std::collections::BTreeMap;

use crate::config::Config;
use crate::content::{Content, DocId};
use crate::text::{Collation, slugify};

#[derive(Debug)]
pub struct Term {
    pub slug: String,
    pub name: String,
    pub url: String,
    pub docs: Vec<DocId>,
}

/// One taxonomy in one language.
#[derive(Debug)]
pub struct TaxonomyPages {
    /// Index into `config.taxonomies`.
    pub taxonomy: usize,
    pub lang: String,
    pub url: String,
    /// In the language's alphabetical order.
    pub terms: Vec<Term>,
}

#[derive(Debug, Default)]
pub struct TaxonomyIndex {
    pub pages: Vec<TaxonomyPages>,
}

impl TaxonomyIndex {
    pub fn build(config: &Config, content: &Content) -> TaxonomyIndex {
        let mut pages = Vec::new();
        for lang in config
            .languages
            .iter()
            .filter(|l| content.homes.contains_key(&l.code))
        {
            let collation = Collation::for_language(&lang.code);
            for (ti, tax) in config.taxonomies.iter().enumerate() {
                let url = format!(
                    "{}{}/",
                    config.language_prefix(&lang.code),
                    tax.slug[&lang.code]
                );
                let mut terms: BTreeMap<String, Term> = BTreeMap::new();
                for (id, d) in content.docs.iter().enumerate() {
                    if d.lang != lang.code || d.url.is_empty() {
                        continue;
                    }
                    for name in d
                        .front
                        .taxonomies
                        .get(&tax.name)
                        .map(|t| t.value.as_slice())
                        .unwrap_or_default()
                    {
                        let slug = slugify(name);
                        let term = terms.entry(slug.clone()).or_insert_with(|| Term {
                            url: format!("{url}{slug}/"),
                            slug,
                            name: name.clone(),
                            docs: Vec::new(),
                        });
                        if !term.docs.contains(&id) {
                            term.docs.push(id);
                        }
                    }
                }
                let mut terms: Vec<Term> = terms.into_values().collect();
                terms.sort_by(|a, b| collation.compare(&a.name, &b.name));
                for t in &mut terms {
                    t.docs.sort_by(|&a, &b| {
                        let (a, b) = (&content.docs[a], &content.docs[b]);
                        b.date
                            .cmp(&a.date)
                            .then_with(|| collation.compare(&a.front.title, &b.front.title))
                    });
                }
                pages.push(TaxonomyPages {
                    taxonomy: ti,
                    lang: lang.code.clone(),
                    url,
                    terms,
                });
            }
        }
        TaxonomyIndex { pages }
    }

    /// Every taxonomy index and term URL.
    pub fn urls(&self) -> impl Iterator<Item = &str> {
        self.pages.iter().flat_map(|p| {
            std::iter::once(p.url.as_str()).chain(p.terms.iter().map(|t| t.url.as_str()))
        })
    }

    pub fn find(&self, taxonomy: usize, lang: &str) -> Option<&TaxonomyPages> {
        self.pages
            .iter()
            .find(|p| p.taxonomy == taxonomy && p.lang == lang)
    }
}

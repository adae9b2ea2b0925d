//! The one facet system of the site's directories (the cluster directory and the programme
//! catalogue): each item has codes per facet; the directory lists the values that occur, gives
//! each a page, and tells the instant filter an item's values as `key:code` words.

use serde::Serialize;

use crate::config::Strings;
use crate::text::Collation;

/// A way a directory narrows down (province, sector, audience, …).
pub trait Facet: Copy + Eq {
    /// The facet's name in addresses, UI string keys and the filter (`province`).
    fn key(self) -> &'static str;
}

/// An item's facet values as the filter reads them: `province:TR310 sector:C`.
pub fn filter_words<F: Facet>(facets: &[F], codes_of: impl Fn(F) -> Vec<String>) -> String {
    facets
        .iter()
        .flat_map(|&f| {
            codes_of(f)
                .into_iter()
                .map(move |code| format!("{}:{code}", f.key()))
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Every (facet, code) that at least one item has, each facet's codes sorted.
pub fn values<F: Facet, T>(
    facets: &[F],
    items: &[T],
    codes_of: impl Fn(&T, F) -> Vec<String>,
) -> Vec<(F, String)> {
    let mut out = Vec::new();
    for &f in facets {
        let mut codes: Vec<String> = items.iter().flat_map(|i| codes_of(i, f)).collect();
        codes.sort();
        codes.dedup();
        out.extend(codes.into_iter().map(|c| (f, c)));
    }
    out
}

/// One value of a facet as the directory lists it.
#[derive(Serialize)]
pub struct FacetLink {
    title: String,
    /// The value's own page, when the facet has pages.
    url: Option<String>,
    /// `province:TR310`, as in the items' filter words.
    value: String,
    count: usize,
}

/// A facet with its values, for the directory's side panel.
#[derive(Serialize)]
pub struct FacetGroup {
    key: &'static str,
    title: String,
    /// Whether the values have pages (else they only drive the instant filter).
    pages: bool,
    links: Vec<FacetLink>,
}

/// How one directory names and links its facet values.
pub struct Naming<'a, F> {
    pub strings: &'a Strings,
    pub lang: &'a str,
    pub title: &'a dyn Fn(F, &str) -> String,
    pub url: &'a dyn Fn(F, &str) -> Option<String>,
}

/// Per facet (titled by the UI string `facet_<key>`), its values with their names, pages and
/// number of items, sorted by name in the page's language; facets without values are left out.
pub fn groups<F: Facet, T>(
    facets: &[F],
    items: &[T],
    codes_of: impl Fn(&T, F) -> Vec<String>,
    naming: &Naming<'_, F>,
) -> Vec<FacetGroup> {
    let collation = Collation::for_language(naming.lang);
    let all = values(facets, items, &codes_of);
    facets
        .iter()
        .map(|&f| {
            let mut links: Vec<FacetLink> = all
                .iter()
                .filter(|(ff, _)| *ff == f)
                .map(|(_, code)| FacetLink {
                    title: (naming.title)(f, code),
                    url: (naming.url)(f, code),
                    value: format!("{}:{code}", f.key()),
                    count: items
                        .iter()
                        .filter(|i| codes_of(i, f).contains(code))
                        .count(),
                })
                .collect();
            links.sort_by(|a, b| collation.compare(&a.title, &b.title));
            FacetGroup {
                key: f.key(),
                title: naming.strings.t(naming.lang, &format!("facet_{}", f.key())),
                pages: links.iter().any(|l| l.url.is_some()),
                links,
            }
        })
        .filter(|g| !g.links.is_empty())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    enum Colour {
        Hue,
    }

    impl Facet for Colour {
        fn key(self) -> &'static str {
            "hue"
        }
    }

    #[test]
    fn values_are_distinct_and_sorted_and_words_name_their_facet() {
        let items = [vec!["red", "blue"], vec!["blue"]];
        let codes = |i: &Vec<&str>, _| i.iter().map(|s| s.to_string()).collect();
        assert_eq!(
            values(&[Colour::Hue], &items, codes),
            [(Colour::Hue, "blue".into()), (Colour::Hue, "red".into())]
        );
        assert_eq!(
            filter_words(&[Colour::Hue], |_| vec!["red".into(), "blue".into()]),
            "hue:red hue:blue"
        );
    }
}

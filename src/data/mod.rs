//! The project's data, read once: the built-in choice lists, the cluster registry with its
//! indicators, reference values and needs specification, the support programmes and the
//! actors. The survey compiler, the site's areas, `kume aggregate`, `kume analyse` and the
//! collector all borrow one [`ProjectData`] instead of reading the files again.

pub mod actors;
pub mod lists;
pub mod programmes;
pub mod registry;

use crate::config::Config;
use crate::diagnostics::Diagnostic;
use crate::survey::model::Choice;
use lists::Lists;

#[derive(Debug, Default)]
pub struct ProjectData {
    pub lists: Lists,
    pub registry: registry::Data,
    pub programmes: Vec<programmes::Programme>,
    pub actors: Vec<actors::ProvinceActors>,
}

impl ProjectData {
    /// Reads every data file once; problems come back as diagnostics, never as a failure.
    pub fn load(config: &Config) -> (ProjectData, Vec<Diagnostic>) {
        let (mut data, mut diags) = ProjectData::load_lists(config);
        data.load_rest(config, &mut diags);
        (data, diags)
    }

    /// Reads the registry and the choice lists only: the survey compiler and the sector
    /// analysis need no more, so a build starts them before the rest is read.
    pub fn load_lists(config: &Config) -> (ProjectData, Vec<Diagnostic>) {
        let (registry, mut diags) = registry::load(config);
        let lists = lists::load(config, &registry, &mut diags);
        let data = ProjectData {
            lists,
            registry,
            ..ProjectData::default()
        };
        (data, diags)
    }

    /// Reads what [`ProjectData::load_lists`] left out: the programmes and the actors.
    pub fn load_rest(&mut self, config: &Config, diags: &mut Vec<Diagnostic>) {
        self.programmes = programmes::load(config, diags);
        let provinces = self.lists.get("iller").map_or(&[][..], Vec::as_slice);
        self.actors = actors::load(config, provinces, diags);
    }

    /// The choice with `code` in the built-in list `list`.
    pub fn choice(&self, list: &str, code: &str) -> Option<&Choice> {
        self.lists.get(list)?.iter().find(|c| c.code == code)
    }
}

//! The finished report: everything a renderer needs, decided and sorted.
//! Renderers read it; they never analyse.

use crate::analysis::{PlanAnalysis, Summary};
use crate::input::{InputWarning, Skipped};
use crate::policy::Decision;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthorKind {
    Agent,
    Human,
    Unknown,
}

impl AuthorKind {
    pub fn label(self) -> &'static str {
        match self {
            Self::Agent => "agent",
            Self::Human => "human",
            Self::Unknown => "unknown",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Author {
    pub kind: AuthorKind,
    pub reason: String,
}

#[derive(Debug, Clone)]
pub struct Report {
    pub plans: Vec<PlanAnalysis>,
    pub summary: Summary,
    pub author: Author,
    pub profile: String,
    pub profile_reason: String,
    pub decision: Decision,
    pub score: u32,
    pub warnings: Vec<InputWarning>,
    pub skipped: Vec<Skipped>,
    /// The configuration files read, each with where it was found.
    pub config_files: Vec<String>,
}

impl Report {
    pub fn new(
        plans: Vec<PlanAnalysis>,
        decision: Decision,
        warnings: Vec<InputWarning>,
        skipped: Vec<Skipped>,
        options: &crate::CheckOptions,
    ) -> Self {
        let score = decision.score;
        let mut summary = Summary::default();
        for plan in &plans {
            summary.add(&plan.summary);
        }
        Self {
            plans,
            summary,
            author: options.author.clone(),
            profile: options.profile.name.clone(),
            profile_reason: options.profile_reason.clone(),
            decision,
            score,
            warnings,
            skipped,
            config_files: options.config_files.clone(),
        }
    }
}

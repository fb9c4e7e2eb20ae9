//! Which customers are in a segment or a lifecycle stage: the list a seller acts on
//! (`tenure customers list --segment NAME | --stage NAME`).
//!
//! Names are matched loosely (case, `-`, `_` and spaces do not matter); an unknown name is an
//! error listing the valid ones.

use std::collections::HashMap;

use serde::Serialize;
use tenure_domain::CustomerId;
use tenure_metrics::{
    ActivityWindow, CustomerFacts, Date, SegmentAssignment, SegmentRules, Stage, segment_customers,
};
use tenure_store::{Contact, Store};

use super::{Purchases, invalid};
use crate::AppError;

/// The customers to list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CustomerSelection {
    /// Customers in this segment of the default rule table (its exact name).
    Segment(String),
    /// Customers in this lifecycle stage.
    Stage(Stage),
}

/// The stage names as written on the command line and in JSON.
pub fn stage_names() -> Vec<&'static str> {
    Stage::ALL.iter().map(|&s| stage_name(s)).collect()
}

/// The name of a stage as written on the command line and in JSON (`at_risk`).
pub fn stage_name(stage: Stage) -> &'static str {
    match stage {
        Stage::Prospect => "prospect",
        Stage::New => "new",
        Stage::Active => "active",
        Stage::AtRisk => "at_risk",
        Stage::Reactivated => "reactivated",
        Stage::Churned => "churned",
    }
}

/// `Cannot-lose_them` → `cannot lose them`.
fn loose(name: &str) -> String {
    let spaced: String = name.trim().chars().map(|c| if c == '-' || c == '_' { ' ' } else { c }).collect();
    spaced.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase()
}

impl CustomerSelection {
    /// The segment called `name` in `rules` (loosely matched), or an error naming every segment.
    pub fn segment(name: &str, rules: &SegmentRules) -> Result<Self, AppError> {
        let names = rules.names();
        match names.iter().find(|n| loose(n) == loose(name)) {
            Some(found) => Ok(Self::Segment(found.clone())),
            None => Err(AppError::Invalid(format!(
                "unknown segment `{name}`; the segments are: {}",
                names.join(", ")
            ))),
        }
    }

    /// The stage called `name` (`at_risk`, `at-risk` and `at risk` alike), or an error naming them.
    pub fn stage(name: &str) -> Result<Self, AppError> {
        match Stage::ALL.into_iter().find(|&s| loose(stage_name(s)) == loose(name)) {
            Some(stage) => Ok(Self::Stage(stage)),
            None => Err(AppError::Invalid(format!(
                "unknown stage `{name}`; the stages are: {}",
                stage_names().join(", ")
            ))),
        }
    }
}

/// `tenure customers list --segment … --json`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CustomerList {
    /// The date of the segmentation or the stages.
    pub as_of: Date,
    /// The segment listed, if a segment was asked for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub segment: Option<String>,
    /// The stage listed, if a stage was asked for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stage: Option<Stage>,
    /// The customers, biggest revenue first (then by id).
    pub customers: Vec<ListedCustomer>,
}

/// One customer of a list, with what places them there.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ListedCustomer {
    /// Store id (`tenure customers show ID`).
    pub id: CustomerId,
    /// Display name (filled by [`CustomerList::add_contacts`]).
    pub name: Option<String>,
    /// E-mail (filled by [`CustomerList::add_contacts`]).
    pub email: Option<String>,
    /// Day of the first purchase up to `as_of`.
    pub first_purchase: Option<Date>,
    /// Day of the last purchase up to `as_of`.
    pub last_purchase: Option<Date>,
    /// Paid orders up to `as_of`.
    pub orders: u32,
    /// Revenue up to `as_of`, major units.
    pub revenue: f64,
    /// The same in minor units.
    #[serde(skip)]
    pub revenue_minor: i64,
    /// R, F and M scores 1–5 as three digits (`"545"`), for segment lists.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rfm: Option<String>,
}

impl CustomerList {
    /// Fills in the names and e-mails of the listed customers from the store (one query per
    /// 500 customers: call it after cutting the list to the length shown).
    pub fn add_contacts(&mut self, store: &mut dyn Store) -> Result<(), AppError> {
        let ids: Vec<CustomerId> = self.customers.iter().map(|c| c.id).collect();
        let contacts: HashMap<CustomerId, Contact> =
            store.contacts(&ids)?.into_iter().map(|c| (c.id, c)).collect();
        for customer in &mut self.customers {
            if let Some(contact) = contacts.get(&customer.id) {
                customer.name.clone_from(&contact.name);
                customer.email.clone_from(&contact.email);
            }
        }
        Ok(())
    }
}

impl Purchases {
    /// The customers in a segment or stage at `as_of` (`window` decides activity for stages).
    pub fn customers_in(
        &self,
        selection: &CustomerSelection,
        as_of: Date,
        window: ActivityWindow,
    ) -> Result<CustomerList, AppError> {
        let facts = CustomerFacts::as_of(&self.columns, as_of);
        let (mut customers, segment, stage) = match selection {
            CustomerSelection::Segment(name) => {
                let assignment = segment_customers(&facts, &self.segment_params()).map_err(invalid)?;
                (self.in_segment(&facts, &assignment, name), Some(name.clone()), None)
            }
            CustomerSelection::Stage(stage) => {
                let stages = self.stages(as_of, window)?;
                let chosen = (0..stages.len()).filter(|&c| stages[c] == *stage);
                (chosen.map(|c| self.listed(&facts, c, None)).collect(), None, Some(*stage))
            }
        };
        customers.sort_by(|a, b| b.revenue_minor.cmp(&a.revenue_minor).then(a.id.cmp(&b.id)));
        Ok(CustomerList { as_of, segment, stage, customers })
    }

    fn in_segment(
        &self,
        facts: &CustomerFacts,
        assignment: &SegmentAssignment,
        name: &str,
    ) -> Vec<ListedCustomer> {
        let Some(id) = assignment.names.iter().position(|n| n == name) else { return Vec::new() };
        let scores = &assignment.scores;
        (0..assignment.segment.len())
            .filter(|&c| assignment.segment[c].map(usize::from) == Some(id))
            .map(|c| {
                let rfm = format!("{}{}{}", scores.recency[c], scores.frequency[c], scores.monetary[c]);
                self.listed(facts, c, Some(rfm))
            })
            .collect()
    }

    fn listed(&self, facts: &CustomerFacts, c: usize, rfm: Option<String>) -> ListedCustomer {
        let day = |d: Option<i32>| d.and_then(|d| Date::from_days(d).ok());
        let revenue_minor = facts.revenues()[c];
        ListedCustomer {
            id: self.customer_id(c),
            name: None,
            email: None,
            first_purchase: day(facts.first_day(c)),
            last_purchase: day(facts.last_day(c)),
            orders: facts.orders()[c],
            revenue: self.major(revenue_minor as f64),
            revenue_minor,
            rfm,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segment_and_stage_names_match_loosely_and_unknown_ones_list_the_valid_names() {
        assert_eq!(
            CustomerSelection::segment("cannot-lose_them", &SegmentRules::default()).unwrap(),
            CustomerSelection::Segment("Cannot lose them".into())
        );
        assert_eq!(CustomerSelection::stage("At-Risk").unwrap(), CustomerSelection::Stage(Stage::AtRisk));
        let error = CustomerSelection::segment("Whales", &SegmentRules::default()).unwrap_err().to_string();
        assert!(error.contains("unknown segment `Whales`"), "{error}");
        assert!(error.contains("Champions, Loyal, Cannot lose them"), "{error}");
        let error = CustomerSelection::stage("sleeping").unwrap_err().to_string();
        assert!(error.contains("new, active, at_risk, reactivated, churned, prospect"), "{error}");
    }
}

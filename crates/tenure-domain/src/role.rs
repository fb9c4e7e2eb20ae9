//! Who may do what: the three roles of PRODUCT.md §8.

use std::fmt;

/// A user's or API token's role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Everything, including users, tokens and settings.
    Admin,
    /// Reads every report, customer and model; imports data.
    Analyst,
    /// Works with customers one by one: profiles, interactions, follow-ups. No shop-wide reports.
    Agent,
}

/// Why a text is not a role.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not a role (admin, analyst or agent)")]
pub struct RoleError(pub String);

impl Role {
    /// Every role, most powerful first.
    pub const ALL: [Role; 3] = [Role::Admin, Role::Analyst, Role::Agent];

    /// The lower-case name stored and shown.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Analyst => "analyst",
            Role::Agent => "agent",
        }
    }

    /// Parses a role name, ignoring case.
    pub fn parse(text: &str) -> Result<Role, RoleError> {
        let wanted = text.trim().to_ascii_lowercase();
        Role::ALL.into_iter().find(|role| role.as_str() == wanted).ok_or_else(|| RoleError(text.to_string()))
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_names_round_trip_and_ignore_case() {
        for role in Role::ALL {
            assert_eq!(Role::parse(&role.as_str().to_uppercase()), Ok(role));
        }
        assert!(Role::parse("owner").is_err());
    }
}

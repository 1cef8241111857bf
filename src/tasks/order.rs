//! The vocabulary of the list's filters and order: which tasks by completion
//! ([`Status`]) and the sort order ([`Sort`]), each with the names clients use, which
//! both the parser and the API's document take from here.

use std::borrow::Cow;

use serde::Deserialize;
use serde::de::IntoDeserializer as _;
use utoipa::openapi::RefOr;
use utoipa::openapi::schema::{ObjectBuilder, Schema, SchemaType, Type};
use utoipa::{PartialSchema, ToSchema};

use crate::error::FieldError;

/// Which tasks by completion.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Every task.
    #[default]
    All,
    /// Not completed.
    Pending,
    /// Completed.
    Completed,
}

/// The column a list is ordered by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortKey {
    /// Creation time (the default, newest first).
    CreatedAt,
    /// Last change.
    UpdatedAt,
    /// Due date; tasks without one come last in both directions.
    DueAt,
    /// Rank: low < medium < high.
    Priority,
    /// Title, case-insensitive.
    Title,
    /// The web app's default: by due (overdue first, tasks without a due last), then
    /// high priority first, then newest first. Not offered by the API (it is not in
    /// [`SORT_KEYS`], so [`Sort::parse`] refuses it); always ascending.
    Agenda,
}

/// A sort order: key and direction; ties are broken by id in the same direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sort {
    /// The key.
    pub key: SortKey,
    /// Descending when true (`-key`).
    pub descending: bool,
}

impl Status {
    /// Parses `all`, `pending` or `completed` (the names of the document's enum).
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        Self::deserialize(raw.into_deserializer()).map_err(|_: serde::de::value::Error| {
            FieldError::new("status", "must be one of all, pending, completed")
        })
    }
}

impl Default for Sort {
    fn default() -> Self {
        Self {
            key: SortKey::CreatedAt,
            descending: true,
        }
    }
}

/// Every sort key with its name in the query string.
const SORT_KEYS: [(SortKey, &str); 5] = [
    (SortKey::CreatedAt, "created_at"),
    (SortKey::UpdatedAt, "updated_at"),
    (SortKey::DueAt, "due_at"),
    (SortKey::Priority, "priority"),
    (SortKey::Title, "title"),
];

impl Sort {
    /// The web app's default order ([`SortKey::Agenda`]).
    pub const AGENDA: Self = Self {
        key: SortKey::Agenda,
        descending: false,
    };

    /// Parses `created_at`, `-due_at`, ...
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let (descending, name) = match raw.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, raw),
        };
        let key = SORT_KEYS
            .iter()
            .find(|(_, n)| *n == name)
            .map(|(key, _)| *key)
            .ok_or_else(|| {
                FieldError::new(
                    "sort",
                    "must be one of created_at, updated_at, due_at, priority, title, optionally with a leading -",
                )
            })?;
        Ok(Self { key, descending })
    }

    /// The query-string form, `-created_at`.
    pub fn as_param(self) -> String {
        if self.key == SortKey::Agenda {
            return "agenda".to_owned();
        }
        let name = SORT_KEYS
            .iter()
            .find(|(key, _)| *key == self.key)
            .map_or("created_at", |(_, n)| *n);
        if self.descending {
            format!("-{name}")
        } else {
            name.to_owned()
        }
    }
}

/// Documented as the enum of every order [`Sort::parse`] accepts.
impl PartialSchema for Sort {
    fn schema() -> RefOr<Schema> {
        let values = SORT_KEYS
            .iter()
            .flat_map(|(_, name)| [(*name).to_owned(), format!("-{name}")]);
        ObjectBuilder::new()
            .schema_type(SchemaType::Type(Type::String))
            .enum_values(Some(values))
            .description(Some(
                "A sort key; a leading `-` sorts descending. Ties are broken by id; tasks without a due date come last.",
            ))
            .into()
    }
}

impl ToSchema for Sort {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("Sort")
    }
}

//! How the API reads JSON request bodies: each body is a struct whose fields are
//! [`Member`]s of the documented types. The struct is both what the handler deserializes
//! and what the OpenAPI document is generated from, so the two cannot drift apart.
//!
//! A member never fails the whole body: absent, `null`, a value of the documented type,
//! or a value of another type (kept as the reason), so a handler reports every invalid
//! field at once, as `422` with one entry per field.

use std::borrow::Cow;

use serde::de::{Deserialize, DeserializeOwned, Deserializer};
use serde_json::Value;
use utoipa::openapi::{RefOr, schema::Schema};
use utoipa::{PartialSchema, ToSchema};

use crate::error::FieldError;

/// Declares a request body: a struct whose fields are [`Member`]s of the types written,
/// documented as those types. Each field's type is written once, for both.
macro_rules! body {
    (
        $(#[$meta:meta])*
        $vis:vis struct $name:ident {
            $( $(#[$fmeta:meta])* $field:ident : $ty:ty ),* $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
        $vis struct $name {
            $(
                $(#[$fmeta])*
                #[serde(default)]
                #[schema(value_type = $ty)]
                pub $field: $crate::api::wire::Member<$ty>,
            )*
        }
    };
}
pub(crate) use body;

/// One member of a JSON object as the client sent it.
#[derive(Debug, Clone, Default, PartialEq)]
pub enum Member<T> {
    /// Not in the object.
    #[default]
    Absent,
    /// `null`.
    Null,
    /// A value of the documented type.
    Given(T),
    /// A value of another type: where in the member (`[2]` in an array, or empty) and
    /// what is wrong.
    Wrong {
        /// The path inside the member, e.g. `[2]`.
        at: String,
        /// serde's sentence, without its position in the text.
        message: String,
    },
}

impl<'de, T: DeserializeOwned> Deserialize<'de> for Member<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = Value::deserialize(deserializer)?;
        if value.is_null() {
            return Ok(Self::Null);
        }
        Ok(match serde_path_to_error::deserialize::<_, T>(value) {
            Ok(v) => Self::Given(v),
            Err(e) => {
                let at = e.path().to_string();
                Self::Wrong {
                    at: if at == "." { String::new() } else { at },
                    message: e.into_inner().to_string(),
                }
            }
        })
    }
}

/// A member is documented as its value's type; whether it is required or may be `null`
/// is said on the field (`#[schema(required)]`, `#[schema(nullable)]`).
impl<T: PartialSchema> PartialSchema for Member<T> {
    fn schema() -> RefOr<Schema> {
        T::schema()
    }
}

impl<T: ToSchema> ToSchema for Member<T> {
    fn name() -> Cow<'static, str> {
        T::name()
    }

    fn schemas(schemas: &mut Vec<(String, RefOr<Schema>)>) {
        T::schemas(schemas);
    }
}

/// serde's message about a value of the wrong type, said the way the API's other field
/// errors are: "must be a string", "must be one of low, medium, high".
fn sentence(serde: &str) -> String {
    let serde = serde.rfind(" at line ").map_or(serde, |i| &serde[..i]);
    if let Some((_, expected)) = serde.split_once(", expected ") {
        let expected = if expected.starts_with("one of ") {
            expected.replace('`', "")
        } else {
            match expected {
                "a boolean" => "true or false".to_owned(),
                "a sequence" => "an array".to_owned(),
                "a map" => "an object".to_owned(),
                other => other.to_owned(),
            }
        };
        return format!("must be {expected}");
    }
    serde.to_owned()
}

/// Turns the members of one body into domain values, collecting one error per invalid
/// member, in the order they are read.
#[derive(Debug, Default)]
pub struct Fields {
    errors: Vec<FieldError>,
}

impl Fields {
    /// Starts reading a body.
    pub fn new() -> Self {
        Self::default()
    }

    fn fail<V>(&mut self, e: FieldError) -> Option<V> {
        self.errors.push(e);
        None
    }

    /// A member that must be given: absent or `null` is an error. `None` means an error
    /// was recorded.
    pub fn required<T, V>(
        &mut self,
        name: &str,
        member: Member<T>,
        parse: impl FnOnce(T) -> Result<V, FieldError>,
    ) -> Option<V> {
        match member {
            Member::Absent | Member::Null => self.fail(FieldError::new(name, "is required")),
            other => self.optional(name, other, None, parse).flatten(),
        }
    }

    /// A member that may be absent (`Some(None)`); `null` is `on_null` if there is one,
    /// else an error. `None` means an error was recorded.
    pub fn optional<T, V>(
        &mut self,
        name: &str,
        member: Member<T>,
        on_null: Option<V>,
        parse: impl FnOnce(T) -> Result<V, FieldError>,
    ) -> Option<Option<V>> {
        match member {
            Member::Absent => Some(None),
            Member::Null => match on_null {
                Some(v) => Some(Some(v)),
                None => self.fail(FieldError::new(name, "must not be null")),
            },
            Member::Given(t) => match parse(t) {
                Ok(v) => Some(Some(v)),
                Err(e) => self.fail(e),
            },
            Member::Wrong { at, message } => {
                // `[2]` for an array's item, `.rule` for an object's member.
                let dot = if at.is_empty() || at.starts_with('[') {
                    ""
                } else {
                    "."
                };
                self.fail(FieldError::new(
                    format!("{name}{dot}{at}"),
                    sentence(&message),
                ))
            }
        }
    }

    /// Records an error that is about the members together, not one member's value.
    pub fn reject(&mut self, e: FieldError) {
        self.errors.push(e);
    }

    /// The values read, or every error found.
    pub fn finish<V>(self, values: Option<V>) -> Result<V, Vec<FieldError>> {
        match values {
            Some(v) if self.errors.is_empty() => Ok(v),
            _ => Err(self.errors),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    struct Body {
        #[serde(default)]
        title: Member<String>,
        #[serde(default)]
        tags: Member<Vec<String>>,
        #[serde(default)]
        done: Member<bool>,
        #[serde(default)]
        priority: Member<crate::tasks::model::Priority>,
    }

    type Read = (String, Option<Vec<String>>, Option<bool>);

    fn read(json: &str) -> Result<Read, Vec<FieldError>> {
        let body: Body = serde_json::from_str(json).expect("any members read");
        let mut f = Fields::new();
        let title = f.required("title", body.title, Ok);
        let tags = f.optional("tags", body.tags, Some(Vec::new()), Ok);
        let done = f.optional("done", body.done, None, Ok);
        let _ = f.optional("priority", body.priority, None, Ok);
        f.finish(title.zip(tags).zip(done).map(|((a, b), c)| (a, b, c)))
    }

    #[test]
    fn members_tell_absent_null_given_and_wrong_apart() {
        assert_eq!(
            read(r#"{"title": "x", "tags": null}"#).expect("valid"),
            ("x".to_owned(), Some(Vec::new()), None)
        );
        let errors = read(r#"{"tags": [1, "a"], "done": "yes", "priority": "urgent"}"#)
            .expect_err("invalid");
        let got: Vec<(&str, &str)> = errors
            .iter()
            .map(|e| (e.field.as_str(), e.message.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                ("title", "is required"),
                ("tags[0]", "must be a string"),
                ("done", "must be true or false"),
                ("priority", "must be one of low, medium, high"),
            ]
        );
        let errors = read(r#"{"title": null, "done": null, "tags": "a"}"#).expect_err("invalid");
        let got: Vec<(&str, &str)> = errors
            .iter()
            .map(|e| (e.field.as_str(), e.message.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                ("title", "is required"),
                ("tags", "must be an array"),
                ("done", "must not be null"),
            ]
        );
    }
}

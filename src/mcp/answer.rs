//! A tool's answer: its typed value as `structuredContent` and, for clients from before
//! structured content, the same JSON as a text block (MCP 2025-11-25, "Structured
//! Content": a tool with an output schema MUST answer `structuredContent` and SHOULD also
//! answer its serialized JSON as text).
//!
//! rmcp's own `Json` wrapper writes the value into a `serde_json::Value` tree (cloning
//! each string, a map insertion per field) and then prints that tree as the text through
//! `Display`. Here the text is written once, straight from the typed value, and the tree
//! `structuredContent` has to be (`CallToolResult` holds a `Value`) is built by [`Tree`]
//! from the typed value, moving its strings and building each object from its fields in
//! sorted order in one go. `tool_router` reads a tool's output schema from a return type
//! named `Json<T>`, so this type keeps rmcp's name.

use rmcp::ErrorData;
use rmcp::handler::server::tool::IntoCallToolResult;
use rmcp::model::{CallToolResponse, CallToolResult, ContentBlock};
use serde::Serialize;
use serde_json::{Map, Value};

/// A tool's typed answer: its JSON Schema is the tool's output schema.
pub struct Json<T>(pub T);

/// A typed answer as the `serde_json::Value` tree its `Serialize` writes (the same
/// fields, names and values: `tests` check each against `serde_json::to_value`).
pub trait Tree {
    /// The tree, taking the value's strings.
    fn tree(self) -> Value;
}

impl<T: Serialize + Tree> IntoCallToolResult for Json<T> {
    fn into_call_tool_result(self) -> Result<CallToolResponse, ErrorData> {
        let text = serde_json::to_string(&self.0).map_err(|e| {
            ErrorData::internal_error(format!("the answer could not be written: {e}"), None)
        })?;
        let mut result = CallToolResult::success(vec![ContentBlock::text(text)]);
        result.structured_content = Some(self.0.tree());
        Ok(result.into())
    }
}

/// An object from its fields, given in their names' sorted order (the order of
/// `serde_json::Map` without `preserve_order`): the map is built in one go, without a
/// search per insertion.
pub fn object<const N: usize>(fields: [(&str, Value); N]) -> Value {
    debug_assert!(
        fields.windows(2).all(|w| w[0].0 < w[1].0),
        "fields in order"
    );
    Value::Object(
        fields
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v))
            .collect::<Map<String, Value>>(),
    )
}

/// A string or `null`.
pub fn string_or_null(s: Option<String>) -> Value {
    s.map_or(Value::Null, Value::String)
}

/// An array of the trees of `items`.
pub fn array<T: Tree>(items: Vec<T>) -> Value {
    Value::Array(items.into_iter().map(Tree::tree).collect())
}

#[cfg(test)]
mod tests {
    use serde::Serialize;
    use uuid::Uuid;

    use super::Tree;
    use crate::mcp::wire::{Deleted, ListOut, Lists, OneTask, TaskOut, TaskPage};

    /// Each tree is what `serde_json::to_value` makes of the same value: the same fields,
    /// names and values, so `structuredContent` is the text block's JSON.
    fn same<T: Serialize + Tree>(value: T) {
        let expected = serde_json::to_value(&value).expect("serializes");
        assert_eq!(value.tree(), expected);
    }

    fn task(full: bool) -> TaskOut {
        let some = |s: &str| full.then(|| s.to_owned());
        TaskOut {
            id: Uuid::now_v7(),
            list_id: Uuid::now_v7(),
            title: "Pay \"rent\"\n".into(),
            description: if full {
                "notes é".into()
            } else {
                String::new()
            },
            completed: full,
            priority: "high".into(),
            due_at: some("2026-12-24T09:00:00Z"),
            due_date: some("2026-12-24"),
            tags: if full {
                vec!["home".into(), "a b".into()]
            } else {
                vec![]
            },
            recurrence: some("FREQ=MONTHLY;BYMONTHDAY=1"),
            version: i64::MAX,
        }
    }

    #[test]
    fn every_answer_s_tree_is_its_json() {
        same(task(true));
        same(task(false));
        same(TaskPage {
            tasks: vec![task(true), task(false)],
            total: u64::MAX,
            next_cursor: Some("abc".into()),
        });
        same(TaskPage {
            tasks: vec![],
            total: 0,
            next_cursor: None,
        });
        same(OneTask { task: task(true) });
        let list = |inbox: bool| ListOut {
            id: Uuid::now_v7(),
            name: "Errands".into(),
            role: "owner".into(),
            pending: 3,
            is_inbox: inbox,
        };
        same(Lists {
            lists: vec![list(true), list(false)],
        });
        same(Deleted {
            deleted: Uuid::now_v7(),
        });
    }
}

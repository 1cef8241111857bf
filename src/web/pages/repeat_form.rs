//! The "Repeat" part of the task form: the common choices (every day, every weekday,
//! every week on the days ticked, every month on the due day or the last day, every year)
//! or a rule of one's own, from the due or from completion, as typed and as a recurrence.

use serde::Deserialize;

use crate::error::FieldError;
use crate::tasks::recurrence::{RecurFrom, RecurrenceSpec, Rule};

/// The choices of the select, as (value, label).
pub const REPEATS: &[(&str, &str)] = &[
    ("", "Does not repeat"),
    ("daily", "Every day"),
    ("weekdays", "Every weekday (Mon to Fri)"),
    ("weekly", "Every week, on the days ticked"),
    ("monthly", "Every month, on the due day"),
    ("monthly_last", "Every month, on the last day"),
    ("yearly", "Every year"),
    ("custom", "Custom rule"),
];

/// The weekdays to tick, as (form code, label, RRULE code).
pub const DAYS: [(&str, &str, &str); 7] = [
    ("mo", "Mon", "MO"),
    ("tu", "Tue", "TU"),
    ("we", "Wed", "WE"),
    ("th", "Thu", "TH"),
    ("fr", "Fri", "FR"),
    ("sa", "Sat", "SA"),
    ("su", "Sun", "SU"),
];

/// The rules of the fixed choices, canonical.
const FIXED: &[(&str, &str)] = &[
    ("daily", "FREQ=DAILY"),
    ("weekdays", "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR"),
    ("monthly", "FREQ=MONTHLY"),
    ("monthly_last", "FREQ=MONTHLY;BYMONTHDAY=-1"),
    ("yearly", "FREQ=YEARLY"),
];

/// The repeat fields as typed. Checkboxes send `on` when ticked and nothing otherwise.
#[derive(Deserialize, Default, Clone, Debug)]
pub struct RepeatForm {
    #[serde(default)]
    pub repeat: String,
    /// The custom rule.
    #[serde(default)]
    pub rule: String,
    #[serde(default)]
    pub from_completion: String,
    #[serde(default)]
    pub day_mo: String,
    #[serde(default)]
    pub day_tu: String,
    #[serde(default)]
    pub day_we: String,
    #[serde(default)]
    pub day_th: String,
    #[serde(default)]
    pub day_fr: String,
    #[serde(default)]
    pub day_sa: String,
    #[serde(default)]
    pub day_su: String,
}

impl RepeatForm {
    fn day(&self, code: &str) -> &str {
        match code {
            "mo" => &self.day_mo,
            "tu" => &self.day_tu,
            "we" => &self.day_we,
            "th" => &self.day_th,
            "fr" => &self.day_fr,
            "sa" => &self.day_sa,
            _ => &self.day_su,
        }
    }

    fn day_mut(&mut self, code: &str) -> &mut String {
        match code {
            "mo" => &mut self.day_mo,
            "tu" => &mut self.day_tu,
            "we" => &mut self.day_we,
            "th" => &mut self.day_th,
            "fr" => &mut self.day_fr,
            "sa" => &mut self.day_sa,
            _ => &mut self.day_su,
        }
    }

    /// Whether the weekday `code` (`mo` ... `su`) is ticked.
    pub fn ticked(&self, code: &str) -> bool {
        !self.day(code).is_empty()
    }

    /// Whether "from completion" is ticked.
    pub fn counts_from_completion(&self) -> bool {
        !self.from_completion.is_empty()
    }

    /// The form showing `spec`: its fixed choice when it is one, else a custom rule.
    pub fn from_spec(spec: Option<&RecurrenceSpec>) -> Self {
        let Some(spec) = spec else {
            return Self::default();
        };
        let rule = spec.rule.to_string();
        let mut form = Self {
            from_completion: if spec.from == RecurFrom::Completion {
                "on".into()
            } else {
                String::new()
            },
            ..Self::default()
        };
        if let Some((choice, _)) = FIXED.iter().find(|(_, r)| *r == rule) {
            form.repeat = (*choice).to_owned();
            return form;
        }
        let weekly_days = rule
            .strip_prefix("FREQ=WEEKLY")
            .map(|rest| rest.strip_prefix(";BYDAY=").unwrap_or(rest));
        match weekly_days {
            Some(days)
                if days.is_empty()
                    || days
                        .split(',')
                        .all(|d| DAYS.iter().any(|(_, _, code)| *code == d)) =>
            {
                form.repeat = "weekly".into();
                for d in days.split(',').filter(|d| !d.is_empty()) {
                    if let Some((code, _, _)) = DAYS.iter().find(|(_, _, c)| *c == d) {
                        *form.day_mut(code) = "on".into();
                    }
                }
            }
            _ => {
                form.repeat = "custom".into();
                form.rule = rule;
            }
        }
        form
    }

    /// The recurrence the form asks for, or the error for its field (`rule` or `repeat`).
    pub fn parse(&self) -> Result<Option<RecurrenceSpec>, FieldError> {
        let text = match self.repeat.as_str() {
            "" => return Ok(None),
            "weekly" => {
                let days: Vec<&str> = DAYS
                    .iter()
                    .filter(|(code, _, _)| self.ticked(code))
                    .map(|(_, _, rule)| *rule)
                    .collect();
                if days.is_empty() {
                    "FREQ=WEEKLY".to_owned()
                } else {
                    format!("FREQ=WEEKLY;BYDAY={}", days.join(","))
                }
            }
            "custom" => {
                let rule = self.rule.trim();
                let rule = rule.strip_prefix("RRULE:").unwrap_or(rule);
                return Rule::parse(rule)
                    .map_err(|e| FieldError::new("rule", e.message))
                    .map(|rule| Some(self.spec(rule)));
            }
            choice => FIXED
                .iter()
                .find(|(c, _)| *c == choice)
                .map(|(_, r)| (*r).to_owned())
                .ok_or_else(|| FieldError::new("repeat", "must be one of the choices"))?,
        };
        Rule::parse(&text)
            .map(|rule| Some(self.spec(rule)))
            .map_err(|e| FieldError::new("repeat", e.message))
    }

    fn spec(&self, rule: Rule) -> RecurrenceSpec {
        RecurrenceSpec {
            rule,
            from: if self.counts_from_completion() {
                RecurFrom::Completion
            } else {
                RecurFrom::Due
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_choice_reads_and_shows_itself_again() {
        for (repeat, days, rule) in [
            ("daily", &[][..], "FREQ=DAILY"),
            ("weekdays", &[], "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR"),
            ("weekly", &["mo", "fr"], "FREQ=WEEKLY;BYDAY=MO,FR"),
            ("weekly", &[], "FREQ=WEEKLY"),
            ("monthly", &[], "FREQ=MONTHLY"),
            ("monthly_last", &[], "FREQ=MONTHLY;BYMONTHDAY=-1"),
            ("yearly", &[], "FREQ=YEARLY"),
        ] {
            let mut form = RepeatForm {
                repeat: repeat.into(),
                from_completion: "on".into(),
                ..RepeatForm::default()
            };
            for d in days {
                *form.day_mut(d) = "on".into();
            }
            let spec = form.parse().expect("valid").expect("repeats");
            assert_eq!(spec.rule.to_string(), rule);
            assert_eq!(spec.from, RecurFrom::Completion);
            let shown = RepeatForm::from_spec(Some(&spec));
            assert_eq!(shown.repeat, repeat, "{rule}");
            for (code, _, _) in DAYS {
                assert_eq!(shown.ticked(code), days.contains(&code), "{rule} {code}");
            }
            assert!(shown.counts_from_completion());
        }
    }

    #[test]
    fn a_custom_rule_is_checked_and_shown_as_written() {
        let form = RepeatForm {
            repeat: "custom".into(),
            rule: " RRULE:FREQ=MONTHLY;BYDAY=-1FR ".into(),
            ..RepeatForm::default()
        };
        let spec = form.parse().expect("valid").expect("repeats");
        assert_eq!(spec.from, RecurFrom::Due);
        let shown = RepeatForm::from_spec(Some(&spec));
        assert_eq!(
            (shown.repeat.as_str(), shown.rule.as_str()),
            ("custom", "FREQ=MONTHLY;BYDAY=-1FR")
        );
        let bad = RepeatForm {
            repeat: "custom".into(),
            rule: "FREQ=HOURLY".into(),
            ..RepeatForm::default()
        };
        let e = bad.parse().expect_err("refused");
        assert_eq!(e.field, "rule");
        assert!(e.message.contains("FREQ=HOURLY"), "{}", e.message);
        let odd = RepeatForm {
            repeat: "fortnightly".into(),
            ..RepeatForm::default()
        };
        assert_eq!(odd.parse().expect_err("refused").field, "repeat");
        assert_eq!(RepeatForm::default().parse(), Ok(None));
    }
}

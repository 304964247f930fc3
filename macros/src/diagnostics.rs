//! What the attribute says when it is misused: the collector that keeps
//! every error, and the suggestions ("did you mean", the timeout as written).

use proc_macro2::{Ident, TokenStream};
use quote::ToTokens;

use crate::keys::{self, KEYS, Key};
use crate::show::show;

/// Collects errors so that one bad key does not hide the next.
#[derive(Default)]
pub(crate) struct Errors(Option<syn::Error>);

impl Errors {
    pub(crate) fn push(&mut self, err: syn::Error) {
        match &mut self.0 {
            Some(all) => all.combine(err),
            None => self.0 = Some(err),
        }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.0.is_none()
    }

    pub(crate) fn into_compile_errors(self) -> TokenStream {
        self.0.map(|e| e.to_compile_error()).unwrap_or_default()
    }

    /// The config, or every error found on the way to it.
    #[cfg(test)]
    pub(crate) fn into_result<T>(self, value: T) -> syn::Result<T> {
        match self.0 {
            Some(err) => Err(err),
            None => Ok(value),
        }
    }
}

/// The attribute as written with one more argument, for suggestions:
/// `#[timed(secs = 1, inline)]`.
pub(crate) fn attribute_with(written: &str, extra: &str) -> String {
    if written.is_empty() {
        format!("#[timed({extra})]")
    } else if written.len() > 40 {
        format!("#[timed(.., {extra})]")
    } else {
        format!(
            "#[timed({}, {extra})]",
            written.trim_end_matches([' ', ','])
        )
    }
}

/// An expression as the user wrote it, or `..` when it is too long to repeat.
pub(crate) fn short(expr: &dyn ToTokens) -> String {
    let text = show(expr);
    if text.len() <= 40 {
        text
    } else {
        "..".to_string()
    }
}

/// A word that is no key, with the key it may have meant.
pub(crate) fn unknown_key(word: &Ident) -> syn::Error {
    let text = word.to_string();
    let hint = match text.as_str() {
        "timeout" | "time" | "limit" | "deadline" | "after" => {
            "for the timeout write `secs = ..`, `ms = ..` or `duration = ..`".to_string()
        }
        "spawn" => "spawning is the default: leave it out".to_string(),
        _ => match meant(&text) {
            Some(key) => format!("did you mean `{}`?", key.name()),
            None => String::new(),
        },
    };
    let keys = keys::listed();
    let message = if hint.is_empty() {
        format!("unknown `#[timed]` key `{text}`: the keys are {keys}")
    } else {
        format!("unknown `#[timed]` key `{text}`: {hint} (the keys are {keys})")
    };
    syn::Error::new(word.span(), message)
}

/// The key a word stands for: one of its synonyms, or a typo of its name.
fn meant(word: &str) -> Option<Key> {
    let synonym = KEYS.iter().find(|row| row.synonyms.contains(&word));
    let typo = || {
        KEYS.iter()
            .find(|row| edit_distance(word, row.name) <= 1 + word.len() / 5)
    };
    synonym.or_else(typo).map(|row| row.key)
}

/// Edit distance with transpositions (optimal string alignment), for "did
/// you mean" on a typo: `nmae` is one step from `name`.
fn edit_distance(a: &str, b: &str) -> usize {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    let mut d = vec![vec![0; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (d[i - 1][j] + 1)
                .min(d[i][j - 1] + 1)
                .min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(d[i - 2][j - 2] + 1);
            }
            d[i][j] = best;
        }
    }
    d[a.len()][b.len()]
}

/// `1`, `1s`, `0.5`, `500ms` or `"2 secs"` as the argument that says it.
pub(crate) fn timeout_from_text(text: &str) -> Option<String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '_'))
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let number = number.replace('_', "");
    let value: f64 = number.parse().ok()?;
    if value.is_nan() || value <= 0.0 {
        return None;
    }
    let whole = !number.contains('.');
    match unit.trim() {
        "" | "s" | "sec" | "secs" | "second" | "seconds" => Some(format!("secs = {number}")),
        "ms" | "msec" | "msecs" | "millis" | "milliseconds" if whole => {
            Some(format!("ms = {number}"))
        }
        "ms" | "msec" | "msecs" | "millis" | "milliseconds" => {
            Some(format!("secs = {}", value / 1000.0))
        }
        "m" | "min" | "mins" | "minute" | "minutes" => Some(format!("secs = {}", value * 60.0)),
        _ => None,
    }
}

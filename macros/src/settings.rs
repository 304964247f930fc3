//! The attribute's tokens split at top-level commas into settings, each
//! `key = value` or a flag, with its key read and looked up in the table.

use proc_macro2::{Ident, Span, TokenStream, TokenTree};
use quote::ToTokens;
use syn::{Expr, Lit};

use crate::diagnostics::{Errors, short, timeout_from_text, unknown_key};
use crate::keys::{self, Key, Shape};

/// One `key = value`, or a key alone, of `#[timed(...)]`.
pub(crate) struct Setting {
    pub(crate) key: Key,
    /// The key as written: where errors about the setting point.
    pub(crate) ident: Ident,
    pub(crate) value: Value,
}

/// What follows the key.
pub(crate) enum Value {
    /// Nothing: `inline`.
    Absent,
    /// `=` and nothing after it.
    Empty(TokenTree),
    /// The tokens after `=`.
    Tokens(TokenStream),
}

impl Setting {
    /// The tokens of a `key = value` setting, or the error asking for them.
    pub(crate) fn value(self) -> syn::Result<TokenStream> {
        match self.value {
            Value::Tokens(tokens) => Ok(tokens),
            Value::Absent => Err(syn::Error::new(
                self.ident.span(),
                format!(
                    "`{}` needs a value, as in `{}`",
                    self.key.name(),
                    self.key.example()
                ),
            )),
            Value::Empty(eq) => Err(empty(self.key, &eq)),
        }
    }

    /// A flag has no value: nothing, or the tokens it should not have.
    pub(crate) fn flag(self) -> syn::Result<Option<TokenStream>> {
        match self.value {
            Value::Absent => Ok(None),
            Value::Tokens(tokens) => Ok(Some(tokens)),
            Value::Empty(eq) => Err(empty(self.key, &eq)),
        }
    }
}

/// `key =` and nothing after it.
fn empty(key: Key, eq: &TokenTree) -> syn::Error {
    syn::Error::new_spanned(
        eq,
        format!(
            "`{}` needs a value after `=`, as in `{}`",
            key.name(),
            key.example()
        ),
    )
}

/// Every setting, in order, or the error in its key. A stray comma is
/// reported up front; a trailing comma is fine.
pub(crate) fn settings(args: TokenStream, errors: &mut Errors) -> Vec<syn::Result<Setting>> {
    split(args, errors).iter().map(|tts| setting(tts)).collect()
}

/// The settings' tokens between top-level commas (commas inside groups
/// belong to the group).
fn split(args: TokenStream, errors: &mut Errors) -> Vec<Vec<TokenTree>> {
    let mut settings = Vec::new();
    let mut current = Vec::new();
    for tt in args {
        if is_punct(&tt, ',') {
            if current.is_empty() {
                errors.push(syn::Error::new(
                    tt.span(),
                    "unexpected `,`: write one `key = value` between commas",
                ));
            } else {
                settings.push(std::mem::take(&mut current));
            }
            continue;
        }
        current.push(tt);
    }
    if !current.is_empty() {
        settings.push(current);
    }
    settings
}

pub(crate) fn is_punct(tt: &TokenTree, ch: char) -> bool {
    matches!(tt, TokenTree::Punct(p) if p.as_char() == ch)
}

fn setting(tts: &[TokenTree]) -> syn::Result<Setting> {
    let eq = tts.iter().position(|tt| is_punct(tt, '='));
    let ident = read_key(&tts[..eq.unwrap_or(tts.len())], eq.map(|at| &tts[at]))?;
    let key = Key::named(&ident.to_string()).ok_or_else(|| unknown_key(&ident))?;
    let value = match eq {
        None => Value::Absent,
        Some(at) if at + 1 == tts.len() => Value::Empty(tts[at].clone()),
        Some(at) => Value::Tokens(tts[at + 1..].iter().cloned().collect()),
    };
    Ok(Setting { key, ident, value })
}

/// The key of a setting: the tokens before `=` (or the whole setting for a
/// flag), which must be one word.
fn read_key(tts: &[TokenTree], eq: Option<&TokenTree>) -> syn::Result<Ident> {
    let first = match (tts.first(), eq) {
        (Some(first), _) => first,
        (None, Some(eq)) => {
            return Err(syn::Error::new_spanned(
                eq,
                format!("expected a key before `=`, one of {}", keys::listed()),
            ));
        }
        (None, None) => return Err(syn::Error::new(Span::call_site(), "expected a key")),
    };
    let ident = match (first, eq) {
        (TokenTree::Ident(ident), _) if ident != "true" && ident != "false" => ident,
        (_, None) => return Err(bare_value(tts)),
        (_, Some(_)) => {
            let key: TokenStream = tts.iter().cloned().collect();
            return Err(syn::Error::new_spanned(
                key,
                format!("expected a key before `=`, one of {}", keys::listed()),
            ));
        }
    };
    let Some(second) = tts.get(1) else {
        return Ok(ident.clone());
    };
    let names_a_key = |tt: Option<&TokenTree>| matches!(tt, Some(TokenTree::Ident(last)) if Key::named(&last.to_string()).is_some());
    if is_punct(second, ':')
        && matches!(tts.get(2), Some(tt) if is_punct(tt, ':'))
        && (eq.is_some() || names_a_key(tts.last()))
    {
        let path: TokenStream = tts.iter().cloned().collect();
        return Err(syn::Error::new_spanned(
            path,
            format!(
                "`#[timed]` keys are single words, not paths: write one of {}",
                keys::listed()
            ),
        ));
    }
    if eq.is_none() && !names_a_key(Some(first)) {
        // `Duration::from_secs(1)`, `d.timeout`: a value without a key.
        return Err(bare_value(tts));
    }
    let Some(key) = Key::named(&ident.to_string()) else {
        return Err(unknown_key(ident));
    };
    let (name, example) = (key.name(), key.example());
    let message = if is_punct(second, ':') {
        format!("write `=` between a key and its value, as in `{example}`")
    } else if eq.is_some() {
        format!("unexpected `{second}`: a key is one word followed by `=`, as in `{example}`")
    } else if key.row().shape == Shape::Flag {
        format!("`{name}` is a flag: write `{name}` alone")
    } else {
        format!("expected `=` after `{name}`, as in `{example}`")
    };
    Err(syn::Error::new_spanned(second, message))
}

/// A setting that is a value without a key: `#[timed(1)]`,
/// `#[timed(500ms)]`, `#[timed("1s")]`, `#[timed(Duration::from_secs(1))]`.
fn bare_value(tts: &[TokenTree]) -> syn::Error {
    let tokens: TokenStream = tts.iter().cloned().collect();
    let suggestion = match tts {
        [TokenTree::Literal(lit)] => match syn::parse2::<Lit>(lit.to_token_stream()) {
            Ok(Lit::Int(int)) => {
                timeout_from_text(&format!("{}{}", int.base10_digits(), int.suffix()))
            }
            Ok(Lit::Float(float)) => {
                timeout_from_text(&format!("{}{}", float.base10_digits(), float.suffix()))
            }
            Ok(Lit::Str(s)) => timeout_from_text(&s.value()),
            _ => None,
        },
        _ => match syn::parse2::<Expr>(tokens.clone()) {
            Ok(expr) => Some(format!("duration = {}", short(&expr))),
            Err(_) => None,
        },
    };
    let message = match suggestion {
        Some(suggestion) => format!(
            "`#[timed]` takes `key = value` arguments, not a bare value: write `{suggestion}`"
        ),
        None => format!(
            "`#[timed]` takes `key = value` arguments separated by commas; the keys are {}",
            keys::listed()
        ),
    };
    syn::Error::new_spanned(tokens, message)
}

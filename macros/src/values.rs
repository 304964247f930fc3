//! Reading each key's value: the tokens after `=` become a timeout, a
//! number of milliseconds, a label or a path, or the error that says why not.

use proc_macro2::{Delimiter, Group, Span, TokenStream, TokenTree};
use syn::parse::{ParseStream, Parser};
use syn::{Expr, Lit, LitStr, Path};

use crate::diagnostics::{short, timeout_from_text};
use crate::keys::Key;
use crate::settings::is_punct;
use crate::show::show;

/// How long a call may take.
pub(crate) enum Timeout {
    /// A literal, checked at compile time: `secs` and `nanos` of a
    /// `Duration`, and whether it was given in milliseconds.
    Fixed { secs: u64, nanos: u32, millis: bool },
    /// `duration = EXPR`, evaluated by the caller.
    Expr(Box<Expr>),
}

/// The value after `=`: one expression, and nothing after it. The tokens
/// are parsed inside a group spanned at their last token, so that "expected
/// an expression" at the end of the value points there, not at the
/// attribute.
pub(crate) fn expr(value: TokenStream, key: Key) -> syn::Result<Expr> {
    let (name, example) = (key.name(), key.example());
    let last = value.clone().into_iter().last();
    let end = last.as_ref().map_or_else(Span::call_site, TokenTree::span);
    let last = last.map(|tt| show(&tt));
    let mut group = Group::new(Delimiter::Parenthesis, value);
    group.set_span(end);
    let parser = |input: ParseStream<'_>| {
        let content;
        syn::parenthesized!(content in input);
        let expr: Expr = content.parse().map_err(|err| {
            let message = match &last {
                Some(last) if err.to_string().starts_with("unexpected end of input") => {
                    format!(
                        "the value of `{name}` is incomplete: expected an expression after `{last}`"
                    )
                }
                _ => format!("the value of `{name}` is not an expression: {err}"),
            };
            syn::Error::new(err.span(), message)
        })?;
        let stray_eq = format!("unexpected `=` in the value of `{name}`: write `{example}`");
        if let Expr::Assign(assign) = &expr {
            return Err(syn::Error::new_spanned(assign.eq_token, stray_eq));
        }
        if !content.is_empty() {
            let next: TokenTree = content.parse()?;
            let message = if is_punct(&next, '=') {
                stray_eq
            } else {
                format!(
                    "unexpected `{next}` after the value of `{name}`: separate `#[timed]` arguments with commas"
                )
            };
            return Err(syn::Error::new_spanned(next, message));
        }
        Ok(expr)
    };
    parser.parse2(TokenTree::Group(group).into())
}

/// A literal value, seen through the invisible groups of a `macro_rules!`
/// fragment and through parentheses.
fn literal(expr: &Expr) -> Option<&Lit> {
    match expr {
        Expr::Lit(lit) => Some(&lit.lit),
        Expr::Group(group) => literal(&group.expr),
        Expr::Paren(paren) => literal(&paren.expr),
        _ => None,
    }
}

/// `-1`, `-0.5`: a negative number literal.
fn negative(expr: &Expr) -> bool {
    match expr {
        Expr::Unary(unary) => {
            matches!(unary.op, syn::UnOp::Neg(_)) && literal(&unary.expr).is_some()
        }
        Expr::Group(group) => negative(&group.expr),
        Expr::Paren(paren) => negative(&paren.expr),
        _ => false,
    }
}

/// What kind of literal it is, in words.
fn kind(lit: &Lit) -> &'static str {
    match lit {
        Lit::Str(_) | Lit::ByteStr(_) | Lit::CStr(_) => "a string",
        Lit::Bool(_) => "a bool",
        Lit::Char(_) | Lit::Byte(_) => "a character",
        Lit::Int(_) => "an integer",
        Lit::Float(_) => "a float",
        _ => "this literal",
    }
}

/// `secs = 1` or `secs = 1.5`.
pub(crate) fn secs(value: TokenStream) -> syn::Result<Timeout> {
    let expr = expr(value, Key::Secs)?;
    let Some(lit) = literal(&expr) else {
        let message = if negative(&expr) {
            "a timeout cannot be negative: write a number of seconds greater than zero, such as `secs = 1`".to_string()
        } else {
            format!(
                "`secs` takes a number literal; to compute the timeout write `duration = Duration::from_secs({})`",
                short(&expr)
            )
        };
        return Err(syn::Error::new_spanned(expr, message));
    };
    let duration = match lit {
        Lit::Int(int) => {
            allow_suffix(int.suffix(), &["u64"], lit, Key::Secs)?;
            let secs = int
                .base10_parse::<u64>()
                .map_err(|_| too_large(lit, Key::Secs, "seconds"))?;
            std::time::Duration::from_secs(secs)
        }
        Lit::Float(float) => {
            allow_suffix(float.suffix(), &["f64", "f32"], lit, Key::Secs)?;
            let secs: f64 = float.base10_parse()?;
            std::time::Duration::try_from_secs_f64(secs).map_err(|_| {
                syn::Error::new_spanned(
                    lit,
                    format!(
                        "`secs = {}` is too large: a timeout must fit in a `Duration`, at most {} seconds",
                        float.base10_digits(),
                        u64::MAX
                    ),
                )
            })?
        }
        Lit::Str(s) => {
            let message = match timeout_from_text(&s.value()) {
                Some(suggestion) => {
                    format!("`secs` takes a number, not a string: write `{suggestion}`")
                }
                None => "`secs` takes a number of seconds, not a string: write `secs = 1` or `secs = 0.25`".to_string(),
            };
            return Err(syn::Error::new_spanned(lit, message));
        }
        other => {
            return Err(syn::Error::new_spanned(
                lit,
                format!(
                    "`secs` takes a number of seconds such as `secs = 1` or `secs = 0.25`, not {}",
                    kind(other)
                ),
            ));
        }
    };
    if duration.is_zero() {
        let written_as_zero = match lit {
            Lit::Float(float) => float.base10_parse::<f64>().is_ok_and(|f| f == 0.0),
            _ => true,
        };
        let message = if !written_as_zero {
            "this timeout is shorter than one nanosecond, which fails every call: write a longer one, such as `secs = 0.001`"
        } else {
            "a zero timeout fails every call: write a timeout greater than zero, such as `secs = 1`"
        };
        return Err(syn::Error::new_spanned(lit, message));
    }
    Ok(Timeout::Fixed {
        secs: duration.as_secs(),
        nanos: duration.subsec_nanos(),
        millis: false,
    })
}

/// `ms = 500`.
pub(crate) fn ms(value: TokenStream) -> syn::Result<Timeout> {
    let duration = std::time::Duration::from_millis(millis(value, Key::Ms)?);
    Ok(Timeout::Fixed {
        secs: duration.as_secs(),
        nanos: duration.subsec_nanos(),
        millis: true,
    })
}

/// `ms = 500` or `grace = 100`: a whole number of milliseconds, greater than
/// zero for `ms`.
pub(crate) fn millis(value: TokenStream, key: Key) -> syn::Result<u64> {
    let (name, example) = (key.name(), key.example());
    let expr = expr(value, key)?;
    let Some(lit) = literal(&expr) else {
        let message = if negative(&expr) {
            format!(
                "`{name}` cannot be negative: write a whole number of milliseconds, such as `{example}`"
            )
        } else if key == Key::Ms {
            format!(
                "`ms` takes a number literal; to compute the timeout write `duration = Duration::from_millis({})`",
                short(&expr)
            )
        } else {
            format!("`{name}` takes a number literal of milliseconds, such as `{example}`")
        };
        return Err(syn::Error::new_spanned(expr, message));
    };
    match lit {
        Lit::Int(int) => {
            allow_suffix(int.suffix(), &["u64"], lit, key)?;
            let n = int
                .base10_parse::<u64>()
                .map_err(|_| too_large(lit, key, "milliseconds"))?;
            if n == 0 && key == Key::Ms {
                return Err(syn::Error::new_spanned(
                    lit,
                    "a zero timeout fails every call: write a timeout greater than zero, such as `ms = 500`",
                ));
            }
            Ok(n)
        }
        Lit::Float(float) => {
            let value: f64 = float.base10_parse().unwrap_or(f64::NAN);
            let message = if value.fract() == 0.0 && value.is_finite() {
                format!("`{name}` takes a whole number of milliseconds: write `{name} = {value}`")
            } else if key == Key::Ms {
                format!(
                    "`ms` takes a whole number of milliseconds: for fractions write `secs = {}`",
                    value / 1000.0
                )
            } else {
                format!("`{name}` takes a whole number of milliseconds, such as `{example}`")
            };
            Err(syn::Error::new_spanned(lit, message))
        }
        Lit::Str(s) => {
            let message = match s
                .value()
                .trim()
                .trim_end_matches("ms")
                .trim()
                .parse::<u64>()
            {
                Ok(n) => format!("`{name}` takes a number, not a string: write `{name} = {n}`"),
                Err(_) => format!(
                    "`{name}` takes a whole number of milliseconds such as `{example}`, not a string"
                ),
            };
            Err(syn::Error::new_spanned(lit, message))
        }
        other => Err(syn::Error::new_spanned(
            lit,
            format!(
                "`{name}` takes a whole number of milliseconds such as `{example}`, not {}",
                kind(other)
            ),
        )),
    }
}

/// A number of `unit` that does not fit in a `u64`.
fn too_large(lit: &Lit, key: Key, unit: &str) -> syn::Error {
    syn::Error::new_spanned(
        lit,
        format!(
            "`{}` is too large: it must fit in a `u64`, at most {} {unit}",
            key.name(),
            u64::MAX
        ),
    )
}

/// A number may carry the suffix of the type it becomes, nothing else.
fn allow_suffix(suffix: &str, allowed: &[&str], lit: &Lit, key: Key) -> syn::Result<()> {
    if suffix.is_empty() || allowed.contains(&suffix) {
        return Ok(());
    }
    let name = key.name();
    let digits = match lit {
        Lit::Int(int) => int.base10_digits().to_string(),
        Lit::Float(float) => float.base10_digits().to_string(),
        _ => String::new(),
    };
    let message = match timeout_from_text(&format!("{digits}{suffix}")) {
        Some(suggestion)
            if !suggestion.starts_with(name) || !suffix.starts_with(['u', 'i', 'f']) =>
        {
            format!(
                "`{name}` takes a plain number, not one with a `{suffix}` suffix: write `{suggestion}`"
            )
        }
        _ => format!(
            "`{name}` takes a plain number: write `{name} = {digits}`, without the `{suffix}` suffix"
        ),
    };
    Err(syn::Error::new_spanned(lit, message))
}

/// `duration = EXPR`: any expression, but a bare literal is a mistake that
/// the attribute can name better than the type checker.
pub(crate) fn duration(value: TokenStream) -> syn::Result<Timeout> {
    let expr = expr(value, Key::Duration)?;
    let message = match literal(&expr) {
        Some(Lit::Int(int)) => Some(format!(
            "`duration` takes a `Duration`, not a number: write `secs = {0}` or `duration = Duration::from_secs({0})`",
            int.base10_digits()
        )),
        Some(Lit::Float(float)) => Some(format!(
            "`duration` takes a `Duration`, not a number: write `secs = {0}` or `duration = Duration::from_secs_f64({0})`",
            float.base10_digits()
        )),
        Some(Lit::Str(s)) => Some(match timeout_from_text(&s.value()) {
            Some(suggestion) => format!("`duration` takes a `Duration`, not a string: write `{suggestion}`"),
            None => "`duration` takes a `Duration`, not a string: write an expression such as `Duration::from_secs(5)`".to_string(),
        }),
        Some(other) => Some(format!(
            "`duration` takes a `Duration`, such as `Duration::from_secs(5)`, not {}",
            kind(other)
        )),
        None if negative(&expr) => Some(
            "a timeout cannot be negative: write a `Duration`, such as `Duration::from_secs(5)`".to_string(),
        ),
        None => None,
    };
    match message {
        Some(message) => Err(syn::Error::new_spanned(expr, message)),
        None => Ok(Timeout::Expr(Box::new(expr))),
    }
}

/// `name = "fetch_user"`.
pub(crate) fn name(value: TokenStream) -> syn::Result<LitStr> {
    let expr = expr(value, Key::Name)?;
    if let Some(Lit::Str(s)) = literal(&expr) {
        if s.value().trim().is_empty() {
            return Err(syn::Error::new_spanned(
                s,
                "`name` cannot be empty: leave it out to use the function's name",
            ));
        }
        return Ok(s.clone());
    }
    let quoted = match (&expr, literal(&expr)) {
        (_, Some(Lit::Int(int))) => Some(int.base10_digits().to_string()),
        (_, Some(Lit::Char(c))) => Some(c.value().to_string()),
        (_, Some(Lit::Bool(b))) => Some(b.value.to_string()),
        (Expr::Path(path), None) if path.path.get_ident().is_some() => Some(show(&path.path)),
        _ => None,
    };
    let message = match quoted {
        Some(text) => format!("`name` takes a string literal: write `name = \"{text}\"`"),
        None => "`name` takes a string literal, such as `name = \"fetch_user\"`".to_string(),
    };
    Err(syn::Error::new_spanned(expr, message))
}

/// `crate = "my_crate::timebox"`: a string literal holding a path.
pub(crate) fn crate_path(value: TokenStream) -> syn::Result<Path> {
    let expr = expr(value, Key::Crate)?;
    match (literal(&expr), &expr) {
        (Some(Lit::Str(s)), _) => s.parse_with(Path::parse_mod_style).map_err(|_| {
            syn::Error::new_spanned(
                s,
                "`crate` takes the path to the timebox crate, such as `crate = \"my_crate::timebox\"`",
            )
        }),
        (None, Expr::Path(path)) if path.qself.is_none() => {
            let text = show(&path.path);
            Err(syn::Error::new_spanned(
                &expr,
                format!("`crate` takes the path as a string literal: write `crate = \"{text}\"`"),
            ))
        }
        _ => Err(syn::Error::new_spanned(
            &expr,
            "`crate` takes the path to the timebox crate as a string literal, such as `crate = \"my_crate::timebox\"`",
        )),
    }
}

/// `inline = ..`: a flag given a value.
pub(crate) fn inline(value: TokenStream) -> syn::Error {
    let message = if value.to_string() == "false" {
        "`inline` is a flag: to run the body as a spawned task, leave `inline` out"
    } else {
        "`inline` is a flag: write `inline` alone, without `= ..`"
    };
    syn::Error::new_spanned(value, message)
}

//! The arguments of `#[timed(...)]`, turned into a [`Config`]. Each key has a
//! setter that rejects duplicates and bad values at the offending token;
//! errors accumulate, so every mistake is reported once and the parser
//! always returns a config. A key whose value is wrong still counts as given
//! (with a stand-in value), so that it causes no second error: no "missing
//! timeout" after a bad `secs`, no `Result` rule after a bad `fallback`.

use proc_macro2::{Delimiter, Group, Ident, Span, TokenStream, TokenTree};
use quote::ToTokens;
use syn::parse::{ParseStream, Parser};
use syn::{Expr, Lit, LitStr, Path};

use crate::show::show;

/// Every key, in the order the docs list them.
pub(crate) const KEYS: [&str; 8] = [
    "secs", "ms", "duration", "fallback", "grace", "name", "inline", "crate",
];

/// How long a call may take.
pub(crate) enum Timeout {
    /// A literal, checked at compile time: `secs` and `nanos` of a
    /// `Duration`, and whether it was given in milliseconds.
    Fixed { secs: u64, nanos: u32, millis: bool },
    /// `duration = EXPR`, evaluated by the caller.
    Expr(Box<Expr>),
}

/// Everything `#[timed(...)]` said, each value with the key's span.
#[derive(Default)]
pub(crate) struct Config {
    pub(crate) timeout: Option<(Span, &'static str, Timeout)>,
    pub(crate) name: Option<LitStr>,
    pub(crate) krate: Option<Path>,
    pub(crate) inline: Option<Span>,
    pub(crate) fallback: Option<Expr>,
    /// `fallback` was given but its value was wrong: the function is
    /// expanded as if it had one, and no second error follows.
    pub(crate) fallback_stand_in: bool,
    pub(crate) grace: Option<(Span, u64)>,
    /// The arguments as written, for suggestions that repeat them.
    pub(crate) args: String,
}

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

impl Config {
    /// Parses the attribute's arguments. Never fails: the mistakes go to
    /// `errors`, and the config keeps what was right.
    pub(crate) fn parse(args: TokenStream, errors: &mut Errors) -> Config {
        let mut config = Config {
            args: show(&args),
            ..Config::default()
        };
        for entry in entries(args, errors) {
            config.entry(&entry, errors);
        }
        config
    }

    /// After every key is in: the rules that involve several keys. A
    /// missing timeout is only reported when nothing else was wrong, since
    /// a bad entry may well have been the timeout.
    pub(crate) fn check(&self, errors: &mut Errors) {
        if self.timeout.is_none() && errors.is_empty() {
            let message = if self.args.is_empty() {
                "`#[timed]` needs a timeout: write `#[timed(secs = 1)]`, `#[timed(ms = 500)]` or `#[timed(duration = <a Duration>)]`".to_string()
            } else {
                format!(
                    "`#[timed]` needs a timeout: add `secs = 1`, `ms = 500` or `duration = <a Duration>`, as in `{}`",
                    self.with("secs = 1")
                )
            };
            errors.push(syn::Error::new(Span::call_site(), message));
        }
        if let (Some(_), Some((grace, _))) = (self.inline, &self.grace) {
            errors.push(syn::Error::new(
                *grace,
                "`grace` keeps a cancelled body running in its own task, and `inline` runs no task: remove `grace`, or remove `inline`",
            ));
        }
    }

    /// The attribute as written with one more argument, for suggestions:
    /// `#[timed(secs = 1, inline)]`.
    pub(crate) fn with(&self, extra: &str) -> String {
        if self.args.is_empty() {
            format!("#[timed({extra})]")
        } else if self.args.len() > 40 {
            format!("#[timed(.., {extra})]")
        } else {
            format!(
                "#[timed({}, {extra})]",
                self.args.trim_end_matches([' ', ','])
            )
        }
    }

    fn entry(&mut self, entry: &[TokenTree], errors: &mut Errors) {
        let eq = entry.iter().position(|tt| is_punct(tt, '='));
        let key = match parse_key(&entry[..eq.unwrap_or(entry.len())], eq.map(|at| &entry[at])) {
            Ok(key) => key,
            Err(err) => return errors.push(err),
        };
        let Some(name) = KEYS.iter().copied().find(|k| key == k) else {
            return errors.push(unknown_key(&key));
        };
        let result = match eq {
            None if name == "inline" => set(&mut self.inline, key.span(), &key),
            None => Err(syn::Error::new(
                key.span(),
                format!("`{name}` needs a value, as in `{}`", example(name)),
            )),
            Some(at) if at + 1 == entry.len() => Err(syn::Error::new_spanned(
                &entry[at],
                format!(
                    "`{name}` needs a value after `=`, as in `{}`",
                    example(name)
                ),
            )),
            Some(at) => {
                let value = entry[at + 1..].iter().cloned().collect();
                self.set_key(name, &key, value)
            }
        };
        if let Err(err) = result {
            errors.push(err);
            self.stand_in(name, &key);
        }
    }

    fn set_key(&mut self, name: &'static str, key: &Ident, value: TokenStream) -> syn::Result<()> {
        match name {
            "secs" => {
                let timeout = secs(value)?;
                self.set_timeout(key, name, timeout)
            }
            "ms" => {
                let ms = millis(value, "ms")?;
                self.set_timeout(key, name, fixed_millis(ms))
            }
            "duration" => {
                let expr = duration(value)?;
                self.set_timeout(key, name, Timeout::Expr(Box::new(expr)))
            }
            "grace" => {
                let ms = millis(value, "grace")?;
                set(&mut self.grace, (key.span(), ms), key)
            }
            "fallback" => {
                let expr = expr(value, "fallback")?;
                set(&mut self.fallback, expr, key)
            }
            "name" => {
                let name = name_value(value)?;
                set(&mut self.name, name, key)
            }
            "crate" => {
                let path = crate_value(value)?;
                set(&mut self.krate, path, key)
            }
            _ => Err(flag_with_value(value)),
        }
    }

    /// After an error in `name`'s value: make the key count as given, so
    /// that its absence causes no second error.
    fn stand_in(&mut self, name: &str, key: &Ident) {
        match name {
            "secs" | "ms" | "duration" if self.timeout.is_none() => {
                let one_second = Timeout::Fixed {
                    secs: 1,
                    nanos: 0,
                    millis: false,
                };
                self.timeout = Some((key.span(), "secs", one_second));
            }
            "fallback" if self.fallback.is_none() => {
                self.fallback = Some(syn::parse_quote!(::core::unreachable!()));
                self.fallback_stand_in = true;
            }
            "inline" if self.inline.is_none() => self.inline = Some(key.span()),
            _ => {}
        }
    }

    fn set_timeout(
        &mut self,
        key: &Ident,
        name: &'static str,
        timeout: Timeout,
    ) -> syn::Result<()> {
        if let Some((_, first, _)) = &self.timeout {
            let message = if *first == name {
                format!("`{name}` is given twice: keep one")
            } else {
                format!(
                    "`{name}` and `{first}` both set the timeout: keep one of `secs`, `ms` and `duration`"
                )
            };
            return Err(syn::Error::new(key.span(), message));
        }
        self.timeout = Some((key.span(), name, timeout));
        Ok(())
    }
}

fn set<T>(slot: &mut Option<T>, value: T, key: &Ident) -> syn::Result<()> {
    if slot.is_some() {
        return Err(syn::Error::new(
            key.span(),
            format!("`{key}` is given twice: keep one"),
        ));
    }
    *slot = Some(value);
    Ok(())
}

/// The entries between top-level commas (commas inside groups belong to the
/// group). A trailing comma is fine; an empty entry elsewhere is an error.
fn entries(args: TokenStream, errors: &mut Errors) -> Vec<Vec<TokenTree>> {
    let mut entries = Vec::new();
    let mut current = Vec::new();
    for tt in args {
        if is_punct(&tt, ',') {
            if current.is_empty() {
                errors.push(syn::Error::new(
                    tt.span(),
                    "unexpected `,`: write one `key = value` between commas",
                ));
            } else {
                entries.push(std::mem::take(&mut current));
            }
            continue;
        }
        current.push(tt);
    }
    if !current.is_empty() {
        entries.push(current);
    }
    entries
}

fn is_punct(tt: &TokenTree, ch: char) -> bool {
    matches!(tt, TokenTree::Punct(p) if p.as_char() == ch)
}

fn keys() -> String {
    KEYS.map(|k| format!("`{k}`")).join(", ")
}

/// The key of an entry: the tokens before `=` (or the whole entry for a
/// flag), which must be one word.
fn parse_key(tts: &[TokenTree], eq: Option<&TokenTree>) -> syn::Result<Ident> {
    let first = match (tts.first(), eq) {
        (Some(first), _) => first,
        (None, Some(eq)) => {
            return Err(syn::Error::new_spanned(
                eq,
                format!("expected a key before `=`, one of {}", keys()),
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
                format!("expected a key before `=`, one of {}", keys()),
            ));
        }
    };
    let Some(second) = tts.get(1) else {
        return Ok(ident.clone());
    };
    let names_a_key = |tt: Option<&TokenTree>| matches!(tt, Some(TokenTree::Ident(last)) if KEYS.iter().any(|k| last == k));
    if let TokenTree::Punct(colon) = second {
        if colon.as_char() == ':'
            && matches!(tts.get(2), Some(tt) if is_punct(tt, ':'))
            && (eq.is_some() || names_a_key(tts.last()))
        {
            let path: TokenStream = tts.iter().cloned().collect();
            return Err(syn::Error::new_spanned(
                path,
                format!(
                    "`#[timed]` keys are single words, not paths: write one of {}",
                    keys()
                ),
            ));
        }
    }
    if eq.is_none() && !names_a_key(Some(first)) {
        // `Duration::from_secs(1)`, `d.timeout`: a value without a key.
        return Err(bare_value(tts));
    }
    if !KEYS.iter().any(|k| ident == k) {
        return Err(unknown_key(ident));
    }
    let message = if is_punct(second, ':') {
        format!(
            "write `=` between a key and its value, as in `{}`",
            example(&ident.to_string())
        )
    } else if eq.is_some() {
        format!(
            "unexpected `{second}`: a key is one word followed by `=`, as in `{}`",
            example(&ident.to_string())
        )
    } else if ident == "inline" {
        "`inline` is a flag: write `inline` alone".to_string()
    } else {
        format!(
            "expected `=` after `{ident}`, as in `{}`",
            example(&ident.to_string())
        )
    };
    Err(syn::Error::new_spanned(second, message))
}

/// An entry that is a value without a key: `#[timed(1)]`, `#[timed(500ms)]`,
/// `#[timed("1s")]`, `#[timed(Duration::from_secs(1))]`.
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
            keys()
        ),
    };
    syn::Error::new_spanned(tokens, message)
}

/// `1`, `1s`, `0.5`, `500ms` or `"2 secs"` as the argument that says it.
fn timeout_from_text(text: &str) -> Option<String> {
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

fn unknown_key(key: &Ident) -> syn::Error {
    let text = key.to_string();
    let hint = match text.as_str() {
        "timeout" | "time" | "limit" | "deadline" | "after" => {
            "for the timeout write `secs = ..`, `ms = ..` or `duration = ..`".to_string()
        }
        "seconds" | "second" | "sec" | "s" => "did you mean `secs`?".to_string(),
        "millis" | "milliseconds" | "msecs" | "msec" | "millisecond" => {
            "did you mean `ms`?".to_string()
        }
        "label" | "site" | "id" => "did you mean `name`?".to_string(),
        "default" | "on_timeout" | "or" | "otherwise" | "or_else" => {
            "did you mean `fallback`?".to_string()
        }
        "no_spawn" | "local" | "borrow" | "inplace" => "did you mean `inline`?".to_string(),
        "krate" | "path" | "timebox" => "did you mean `crate`?".to_string(),
        "spawn" => "spawning is the default: leave it out".to_string(),
        _ => match KEYS
            .iter()
            .find(|k| edit_distance(&text, k) <= 1 + text.len() / 5)
        {
            Some(close) => format!("did you mean `{close}`?"),
            None => String::new(),
        },
    };
    let keys = keys();
    let message = if hint.is_empty() {
        format!("unknown `#[timed]` key `{text}`: the keys are {keys}")
    } else {
        format!("unknown `#[timed]` key `{text}`: {hint} (the keys are {keys})")
    };
    syn::Error::new(key.span(), message)
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

fn example(key: &str) -> &'static str {
    match key {
        "ms" => "ms = 500",
        "duration" => "duration = Duration::from_millis(250)",
        "fallback" => "fallback = Vec::new()",
        "grace" => "grace = 100",
        "name" => "name = \"fetch_user\"",
        "crate" => "crate = \"my_crate::timebox\"",
        "inline" => "inline",
        _ => "secs = 1",
    }
}

/// An expression as the user wrote it, or `..` when it is too long to repeat.
fn short(expr: &dyn ToTokens) -> String {
    let text = show(expr);
    if text.len() <= 40 {
        text
    } else {
        "..".to_string()
    }
}

/// The value after `=`: one expression, and nothing after it. The tokens
/// are parsed inside a group spanned at their last token, so that "expected
/// an expression" at the end of the value points there, not at the
/// attribute.
fn expr(value: TokenStream, key: &str) -> syn::Result<Expr> {
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
                        "the value of `{key}` is incomplete: expected an expression after `{last}`"
                    )
                }
                _ => format!("the value of `{key}` is not an expression: {err}"),
            };
            syn::Error::new(err.span(), message)
        })?;
        if let Expr::Assign(assign) = &expr {
            return Err(syn::Error::new_spanned(
                assign.eq_token,
                format!(
                    "unexpected `=` in the value of `{key}`: write `{}`",
                    example(key)
                ),
            ));
        }
        if !content.is_empty() {
            let next: TokenTree = content.parse()?;
            let message = if is_punct(&next, '=') {
                format!(
                    "unexpected `=` in the value of `{key}`: write `{}`",
                    example(key)
                )
            } else {
                format!(
                    "unexpected `{next}` after the value of `{key}`: separate `#[timed]` arguments with commas"
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
fn secs(value: TokenStream) -> syn::Result<Timeout> {
    let expr = expr(value, "secs")?;
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
            allow_suffix(int.suffix(), &["u64"], lit, "secs")?;
            let secs = int.base10_parse::<u64>().map_err(|_| {
                syn::Error::new_spanned(
                    lit,
                    "`secs` is too large: it must fit in a `u64`, at most 18446744073709551615 seconds",
                )
            })?;
            std::time::Duration::from_secs(secs)
        }
        Lit::Float(float) => {
            allow_suffix(float.suffix(), &["f64", "f32"], lit, "secs")?;
            let secs: f64 = float.base10_parse()?;
            std::time::Duration::try_from_secs_f64(secs).map_err(|_| {
                syn::Error::new_spanned(
                    lit,
                    format!(
                        "`secs = {}` is too large: a timeout must fit in a `Duration`, at most 18446744073709551615 seconds",
                        float.base10_digits()
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

fn fixed_millis(ms: u64) -> Timeout {
    let duration = std::time::Duration::from_millis(ms);
    Timeout::Fixed {
        secs: duration.as_secs(),
        nanos: duration.subsec_nanos(),
        millis: true,
    }
}

/// `ms = 500` or `grace = 100`: a whole number of milliseconds, greater than
/// zero for `ms`.
fn millis(value: TokenStream, key: &str) -> syn::Result<u64> {
    let expr = expr(value, key)?;
    let Some(lit) = literal(&expr) else {
        let message = if negative(&expr) {
            format!(
                "`{key}` cannot be negative: write a whole number of milliseconds, such as `{}`",
                example(key)
            )
        } else if key == "ms" {
            format!(
                "`ms` takes a number literal; to compute the timeout write `duration = Duration::from_millis({})`",
                short(&expr)
            )
        } else {
            format!(
                "`{key}` takes a number literal of milliseconds, such as `{}`",
                example(key)
            )
        };
        return Err(syn::Error::new_spanned(expr, message));
    };
    match lit {
        Lit::Int(int) => {
            allow_suffix(int.suffix(), &["u64"], lit, key)?;
            let n = int.base10_parse::<u64>().map_err(|_| {
                syn::Error::new_spanned(
                    lit,
                    format!("`{key}` is too large: it must fit in a `u64`, at most 18446744073709551615 milliseconds"),
                )
            })?;
            if n == 0 && key == "ms" {
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
                format!("`{key}` takes a whole number of milliseconds: write `{key} = {value}`")
            } else if key == "ms" {
                format!(
                    "`ms` takes a whole number of milliseconds: for fractions write `secs = {}`",
                    value / 1000.0
                )
            } else {
                format!(
                    "`{key}` takes a whole number of milliseconds, such as `{}`",
                    example(key)
                )
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
                Ok(n) => format!("`{key}` takes a number, not a string: write `{key} = {n}`"),
                Err(_) => format!(
                    "`{key}` takes a whole number of milliseconds such as `{}`, not a string",
                    example(key)
                ),
            };
            Err(syn::Error::new_spanned(lit, message))
        }
        other => Err(syn::Error::new_spanned(
            lit,
            format!(
                "`{key}` takes a whole number of milliseconds such as `{}`, not {}",
                example(key),
                kind(other)
            ),
        )),
    }
}

/// A number may carry the suffix of the type it becomes, nothing else.
fn allow_suffix(suffix: &str, allowed: &[&str], lit: &Lit, key: &str) -> syn::Result<()> {
    if suffix.is_empty() || allowed.contains(&suffix) {
        return Ok(());
    }
    let digits = match lit {
        Lit::Int(int) => int.base10_digits().to_string(),
        Lit::Float(float) => float.base10_digits().to_string(),
        _ => String::new(),
    };
    let message = match timeout_from_text(&format!("{digits}{suffix}")) {
        Some(suggestion)
            if !suggestion.starts_with(key) || !suffix.starts_with(['u', 'i', 'f']) =>
        {
            format!(
                "`{key}` takes a plain number, not one with a `{suffix}` suffix: write `{suggestion}`"
            )
        }
        _ => format!(
            "`{key}` takes a plain number: write `{key} = {digits}`, without the `{suffix}` suffix"
        ),
    };
    Err(syn::Error::new_spanned(lit, message))
}

/// `duration = EXPR`: any expression, but a bare literal is a mistake that
/// the attribute can name better than the type checker.
fn duration(value: TokenStream) -> syn::Result<Expr> {
    let expr = expr(value, "duration")?;
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
        None => Ok(expr),
    }
}

/// `name = "fetch_user"`.
fn name_value(value: TokenStream) -> syn::Result<LitStr> {
    let expr = expr(value, "name")?;
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
fn crate_value(value: TokenStream) -> syn::Result<Path> {
    let expr = expr(value, "crate")?;
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

/// `inline = ...`
fn flag_with_value(value: TokenStream) -> syn::Error {
    let message = if value.to_string() == "false" {
        "`inline` is a flag: to run the body as a spawned task, leave `inline` out"
    } else {
        "`inline` is a flag: write `inline` alone, without `= ..`"
    };
    syn::Error::new_spanned(value, message)
}

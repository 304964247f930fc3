//! The arguments of `#[timed(...)]`, turned into a [`Config`]. Each key has a
//! setter that rejects duplicates and bad values at the offending token;
//! errors accumulate, so every mistake is reported once and the parser
//! always returns a config (the defaults where a key was wrong).

use proc_macro2::{Span, TokenStream, TokenTree};
use quote::ToTokens;
use syn::{Expr, Lit, LitStr, Path};

pub(crate) const KEYS: &str =
    "`secs`, `ms`, `duration`, `fallback`, `grace`, `name`, `inline`, `crate`";

const TIMEOUT_HELP: &str =
    "write one of `secs = 1`, `ms = 500` or `duration = <expr of type std::time::Duration>`";

/// How long a call may take.
pub(crate) enum Timeout {
    /// A literal, checked at compile time: `secs` and `nanos` of a
    /// `Duration`, and whether it was given in milliseconds.
    Fixed { secs: u64, nanos: u32, millis: bool },
    /// `duration = EXPR`, evaluated by the caller.
    Expr(Expr),
}

/// Everything `#[timed(...)]` said, each value with the key's span.
#[derive(Default)]
pub(crate) struct Config {
    pub(crate) timeout: Option<(Span, &'static str, Timeout)>,
    pub(crate) name: Option<LitStr>,
    pub(crate) krate: Option<Path>,
    pub(crate) inline: Option<Span>,
    pub(crate) fallback: Option<Expr>,
    pub(crate) grace: Option<(Span, u64)>,
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

    pub(crate) fn into_compile_errors(self) -> TokenStream {
        self.0.map(|e| e.to_compile_error()).unwrap_or_default()
    }
}

impl Config {
    /// Parses the attribute's arguments. Never fails: the mistakes go to
    /// `errors`, and the config keeps what was right.
    pub(crate) fn parse(args: TokenStream, errors: &mut Errors) -> Config {
        let mut config = Config::default();
        for entry in split_top_level(args, ',') {
            if let Err(err) = config.parse_entry(entry) {
                errors.push(err);
            }
        }
        config
    }

    /// After every key is in: the rules that involve several keys.
    pub(crate) fn check(&self, errors: &mut Errors) {
        if self.timeout.is_none() {
            errors.push(syn::Error::new(
                Span::call_site(),
                format!("`#[timed]` needs a timeout: {TIMEOUT_HELP}"),
            ));
        }
        if let (Some(inline), Some((grace, _))) = (self.inline, &self.grace) {
            let mut err = syn::Error::new(
                *grace,
                "`grace` needs a spawned task to keep polling after the caller is gone; remove `grace`, or remove `inline`",
            );
            err.combine(syn::Error::new(inline, "`inline` is set here"));
            errors.push(err);
        }
    }

    fn parse_entry(&mut self, entry: Vec<TokenTree>) -> syn::Result<()> {
        let eq = entry
            .iter()
            .position(|tt| matches!(tt, TokenTree::Punct(p) if p.as_char() == '='));
        let (key_tokens, value) = match eq {
            Some(at) => {
                let value: TokenStream = entry[at + 1..].iter().cloned().collect();
                if value.is_empty() {
                    let key = tokens(&entry[..at]);
                    return Err(syn::Error::new_spanned(
                        &entry[at],
                        format!("`{key}` needs a value after `=`, as in `{}`", example(&key)),
                    ));
                }
                (&entry[..at], Some(value))
            }
            None => (&entry[..], None),
        };
        let key = parse_key(key_tokens, value.is_some())?;
        let span = key.span();
        match (key.to_string().as_str(), value) {
            ("inline", None) => set(&mut self.inline, span, "inline", span),
            ("inline", Some(value)) => Err(syn::Error::new_spanned(
                value,
                "`inline` is a flag: write `inline` alone, without `= ...`",
            )),
            (key, None) => Err(syn::Error::new(
                span,
                format!("`{key}` needs a value, as in `{}`", example(key)),
            )),
            ("secs", Some(value)) => {
                let timeout = secs(&value)?;
                self.set_timeout(span, "secs", timeout)
            }
            ("ms", Some(value)) => {
                let ms = whole_number(&value, "ms", "milliseconds")?;
                self.set_timeout(span, "ms", fixed_millis(ms))
            }
            ("duration", Some(value)) => {
                let expr = syn::parse2(value)?;
                self.set_timeout(span, "duration", Timeout::Expr(expr))
            }
            ("grace", Some(value)) => {
                let ms = whole_number(&value, "grace", "milliseconds")?;
                set(&mut self.grace, (span, ms), "grace", span)
            }
            ("fallback", Some(value)) => {
                let expr = syn::parse2(value)?;
                set(&mut self.fallback, expr, "fallback", span)
            }
            ("name", Some(value)) => {
                let name = string(&value, "name", "`name = \"fetch_user\"`")?;
                if name.value().trim().is_empty() {
                    return Err(syn::Error::new_spanned(name, "`name` cannot be empty"));
                }
                set(&mut self.name, name, "name", span)
            }
            ("crate", Some(value)) => {
                let lit = string(&value, "crate", "`crate = \"my_crate::timebox\"`")?;
                let path = lit.parse_with(Path::parse_mod_style).map_err(|_| {
                    syn::Error::new_spanned(
                        &lit,
                        "`crate` must hold a path to the timebox crate, such as `crate = \"my_crate::timebox\"`",
                    )
                })?;
                set(&mut self.krate, path, "crate", span)
            }
            (other, Some(_)) => Err(unknown_key(other, span)),
        }
    }

    fn set_timeout(&mut self, span: Span, key: &'static str, timeout: Timeout) -> syn::Result<()> {
        if let Some((_, first, _)) = &self.timeout {
            let message = if *first == key {
                format!("duplicate `{key}`: give the timeout once")
            } else {
                format!(
                    "`{key}` conflicts with `{first}`: give exactly one of `secs`, `ms`, `duration`"
                )
            };
            return Err(syn::Error::new(span, message));
        }
        self.timeout = Some((span, key, timeout));
        Ok(())
    }
}

fn set<T>(slot: &mut Option<T>, value: T, key: &str, span: Span) -> syn::Result<()> {
    if slot.is_some() {
        return Err(syn::Error::new(
            span,
            format!("duplicate `{key}`: give it once"),
        ));
    }
    *slot = Some(value);
    Ok(())
}

/// Splits a token stream at the top-level `sep` punctuation (commas inside
/// groups belong to the group). Empty entries from a trailing comma are
/// skipped.
fn split_top_level(stream: TokenStream, sep: char) -> Vec<Vec<TokenTree>> {
    let mut entries = vec![Vec::new()];
    for tt in stream {
        match &tt {
            TokenTree::Punct(p) if p.as_char() == sep => entries.push(Vec::new()),
            _ => {
                if let Some(entry) = entries.last_mut() {
                    entry.push(tt);
                }
            }
        }
    }
    entries.retain(|e| !e.is_empty());
    entries
}

fn tokens(tts: &[TokenTree]) -> String {
    tts.iter().cloned().collect::<TokenStream>().to_string()
}

/// The key of an entry: one word (`crate` included).
fn parse_key(tts: &[TokenTree], has_value: bool) -> syn::Result<proc_macro2::Ident> {
    match tts {
        [TokenTree::Ident(ident)] => Ok(ident.clone()),
        [TokenTree::Literal(lit), ..] => Err(syn::Error::new_spanned(
            lit,
            format!(
                "`#[timed]` takes `key = value` pairs, not a bare value: write `secs = {lit}` or `ms = {lit}`"
            ),
        )),
        [TokenTree::Ident(_), TokenTree::Punct(p), ..] if p.as_char() == ':' => {
            let path: TokenStream = tts.iter().cloned().collect();
            Err(syn::Error::new_spanned(
                path,
                format!("`#[timed]` keys are single words, not paths; expected one of {KEYS}"),
            ))
        }
        [first, ..] => {
            let rest: TokenStream = tts.iter().cloned().collect();
            let message = if has_value {
                format!("expected a key before `=`, one of {KEYS}")
            } else {
                format!("expected `key = value` separated by commas; keys are {KEYS}")
            };
            match tts.len() {
                1 => Err(syn::Error::new_spanned(first, message)),
                _ => Err(syn::Error::new_spanned(rest, message)),
            }
        }
        [] => Err(syn::Error::new(Span::call_site(), "expected a key")),
    }
}

fn unknown_key(key: &str, span: Span) -> syn::Error {
    let hint = match key {
        "timeout" | "time" | "limit" | "deadline" => {
            Some("for the timeout write `secs`, `ms` or `duration`")
        }
        "seconds" | "sec" | "s" => Some("did you mean `secs`?"),
        "millis" | "milliseconds" | "msecs" | "millisecond" => Some("did you mean `ms`?"),
        "label" | "site" => Some("did you mean `name`?"),
        "default" | "on_timeout" | "or" | "otherwise" => Some("did you mean `fallback`?"),
        "no_spawn" | "local" | "borrow" => Some("did you mean `inline`?"),
        "krate" | "path" => Some("did you mean `crate`?"),
        _ => None,
    };
    let message = format!("unknown `#[timed]` key `{key}`; expected one of {KEYS}");
    match hint {
        Some(hint) => syn::Error::new(span, format!("{message}; {hint}")),
        None => syn::Error::new(span, message),
    }
}

fn example(key: &str) -> &'static str {
    match key {
        "secs" => "secs = 1",
        "ms" => "ms = 500",
        "duration" => "duration = Duration::from_millis(250)",
        "fallback" => "fallback = Vec::new()",
        "grace" => "grace = 100",
        "name" => "name = \"fetch_user\"",
        "crate" => "crate = \"my_crate::timebox\"",
        _ => "secs = 1",
    }
}

/// The value of a literal-only key: exactly one literal, or an error saying
/// what was found instead.
fn literal(value: &TokenStream, key: &str, expected: &str) -> syn::Result<Lit> {
    match syn::parse2::<Expr>(value.clone()) {
        Ok(Expr::Lit(lit)) => Ok(lit.lit),
        Ok(Expr::Unary(neg)) if matches!(neg.op, syn::UnOp::Neg(_)) => Err(
            syn::Error::new_spanned(&neg, format!("`{key}` must be greater than zero")),
        ),
        Ok(Expr::Group(group)) => literal(&group.expr.to_token_stream(), key, expected),
        _ => Err(syn::Error::new_spanned(
            value,
            format!("`{key}` takes {expected}; for a computed timeout use `duration = <expr>`"),
        )),
    }
}

fn no_suffix(suffix: &str, lit: &dyn ToTokens, key: &str) -> syn::Result<()> {
    if suffix.is_empty() {
        Ok(())
    } else {
        Err(syn::Error::new_spanned(
            lit,
            format!("`{key}` takes a plain number: remove the `{suffix}` suffix"),
        ))
    }
}

/// `secs = 1` or `secs = 1.5`.
fn secs(value: &TokenStream) -> syn::Result<Timeout> {
    let lit = literal(value, "secs", "a number literal such as `1` or `0.25`")?;
    let (duration, span) = match &lit {
        Lit::Int(int) => {
            no_suffix(int.suffix(), int, "secs")?;
            let secs = int.base10_parse::<u64>().map_err(|_| {
                syn::Error::new_spanned(int, "`secs` is too large: it must fit in a `u64`")
            })?;
            (std::time::Duration::from_secs(secs), int.span())
        }
        Lit::Float(float) => {
            no_suffix(float.suffix(), float, "secs")?;
            let secs = float.base10_parse::<f64>()?;
            let duration = std::time::Duration::try_from_secs_f64(secs).map_err(|_| {
                syn::Error::new_spanned(
                    float,
                    "`secs` is too large: it must be at most u64::MAX seconds",
                )
            })?;
            (duration, float.span())
        }
        other => {
            return Err(wrong_kind(
                other,
                "secs",
                "a number such as `secs = 1` or `secs = 0.25`",
            ));
        }
    };
    if duration.is_zero() {
        return Err(syn::Error::new(
            span,
            "`secs` must be greater than zero (a zero timeout fails every call)",
        ));
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

/// `ms = 500` or `grace = 100`: a whole, positive number of milliseconds.
fn whole_number(value: &TokenStream, key: &str, unit: &str) -> syn::Result<u64> {
    let lit = literal(
        value,
        key,
        &format!("a whole number of {unit}, such as `{}`", example(key)),
    )?;
    match &lit {
        Lit::Int(int) => {
            no_suffix(int.suffix(), int, key)?;
            let n = int.base10_parse::<u64>().map_err(|_| {
                syn::Error::new_spanned(
                    int,
                    format!("`{key}` is too large: it must fit in a `u64`"),
                )
            })?;
            if n == 0 {
                let why = if key == "grace" {
                    "`grace` must be greater than zero; leave it out for no grace period"
                } else {
                    "`ms` must be greater than zero (a zero timeout fails every call)"
                };
                return Err(syn::Error::new_spanned(int, why));
            }
            Ok(n)
        }
        Lit::Float(float) => Err(syn::Error::new_spanned(
            float,
            format!(
                "`{key}` takes a whole number of {unit}; for fractions of a second use `secs = 0.25`"
            ),
        )),
        other => Err(wrong_kind(
            other,
            key,
            &format!("a whole number, such as `{}`", example(key)),
        )),
    }
}

/// `name = "..."` or `crate = "..."`.
fn string(value: &TokenStream, key: &str, expected: &str) -> syn::Result<LitStr> {
    match syn::parse2::<Expr>(value.clone()) {
        Ok(Expr::Lit(syn::ExprLit {
            lit: Lit::Str(s), ..
        })) => Ok(s),
        _ => Err(syn::Error::new_spanned(
            value,
            format!("`{key}` takes a string literal, as in {expected}"),
        )),
    }
}

fn wrong_kind(lit: &Lit, key: &str, expected: &str) -> syn::Error {
    let found = match lit {
        Lit::Str(_) | Lit::ByteStr(_) | Lit::CStr(_) => "a string",
        Lit::Bool(_) => "a bool",
        Lit::Char(_) | Lit::Byte(_) => "a character",
        _ => "this literal",
    };
    syn::Error::new(lit.span(), format!("`{key}` takes {expected}, not {found}"))
}

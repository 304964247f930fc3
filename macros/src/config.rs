//! The settings collected into a [`Config`], one setter per key, checked
//! across keys, then built into the [`FinalConfig`] that the expansion reads.

use proc_macro2::{Ident, Span, TokenStream};
use syn::{Expr, LitStr, Path, ReturnType, Signature, parse_quote};

use crate::diagnostics::{Errors, attribute_with};
use crate::keys::Key;
use crate::settings::{Setting, settings};
use crate::show::show;
use crate::values::{self, Timeout};

/// The timeout of a function whose attribute gives none that is right (the
/// mistake is reported): one second, as if it said `secs = 1`.
const STAND_IN: Timeout = Timeout::Fixed {
    secs: 1,
    nanos: 0,
    millis: false,
};

/// Everything `#[timed(...)]` said, each value with the key's span.
///
/// Errors accumulate, so every mistake is reported once and parsing always
/// gives a config. A key whose value is wrong still counts as given (with a
/// stand-in value), so that it causes no second error: no "missing timeout"
/// after a bad `secs`, no `Result` rule after a bad `fallback`.
#[derive(Default)]
pub(crate) struct Config {
    /// With the name of the key that set it.
    pub(crate) timeout: Option<(Span, &'static str, Timeout)>,
    pub(crate) name: Option<LitStr>,
    pub(crate) krate: Option<Path>,
    pub(crate) inline: Option<Span>,
    pub(crate) fallback: Option<Expr>,
    /// `fallback` was given but its value was wrong: the function is
    /// expanded as if it had one, and no second error follows.
    fallback_stand_in: bool,
    pub(crate) grace: Option<(Span, u64)>,
    /// The arguments as written, for suggestions that repeat them.
    written: String,
}

/// Where the body runs.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Mode {
    /// As its own task: needs `Send + 'static`.
    Spawn,
    /// In the caller's task.
    Inline,
}

/// What the caller gets when the body gives no value (timeout, cancellation).
pub(crate) enum OnTimeout {
    /// The error, converted into the declared error type.
    Error,
    /// `fallback = EXPR`, typed as the return type.
    Fallback(Expr),
    /// In place of a `fallback` whose value was wrong: it diverges, so that
    /// nothing more is reported.
    StandIn(Expr),
}

/// The attribute validated, every default settled: what the expansion reads.
pub(crate) struct FinalConfig {
    /// Where `timebox` is: `::timebox`, or `crate = ".."`.
    pub(crate) krate: Path,
    /// The site's label: `name = ".."`, or the function's name.
    pub(crate) name: String,
    pub(crate) timeout: Timeout,
    /// How long a cancelled body keeps being polled; 0 for not at all.
    pub(crate) grace_ms: u64,
    pub(crate) on_timeout: OnTimeout,
    pub(crate) mode: Mode,
}

impl Config {
    /// Parses the attribute's arguments. Never fails: the mistakes go to
    /// `errors`, and the config keeps what was right.
    pub(crate) fn parse(args: TokenStream, errors: &mut Errors) -> Config {
        let mut config = Config {
            written: show(&args),
            ..Config::default()
        };
        for setting in settings(args, errors) {
            let setting = match setting {
                Ok(setting) => setting,
                Err(err) => {
                    errors.push(err);
                    continue;
                }
            };
            let (key, span) = (setting.key, setting.ident.span());
            if let Err(err) = config.apply(setting) {
                errors.push(err);
                config.stand_in(key, span);
            }
        }
        config
    }

    /// After every key is in: the rules that involve several keys. A
    /// missing timeout is only reported when nothing else was wrong, since
    /// a bad setting may well have been the timeout.
    pub(crate) fn check(&self, errors: &mut Errors) {
        if self.timeout.is_none() && errors.is_empty() {
            let message = if self.written.is_empty() {
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
        attribute_with(&self.written, extra)
    }

    /// The final config of `sig`, whose body gives `output` and runs in
    /// `mode`. Where a value is missing, its mistake has been reported: a
    /// default stands in.
    pub(crate) fn build(self, sig: &Signature, output: &ReturnType, mode: Mode) -> FinalConfig {
        let name = match self.name {
            Some(name) => name.value(),
            None => sig.ident.to_string().trim_start_matches("r#").to_string(),
        };
        let on_timeout = match (self.fallback, output) {
            (Some(stand_in), _) if self.fallback_stand_in => OnTimeout::StandIn(stand_in),
            (Some(fallback), _) => OnTimeout::Fallback(fallback),
            // Already an error (see `check`): expand without a second one.
            (None, ReturnType::Default) => OnTimeout::Fallback(parse_quote!(())),
            (None, ReturnType::Type(..)) => OnTimeout::Error,
        };
        FinalConfig {
            krate: self.krate.unwrap_or_else(|| parse_quote!(::timebox)),
            name,
            timeout: self.timeout.map_or(STAND_IN, |(_, _, timeout)| timeout),
            grace_ms: self.grace.map_or(0, |(_, ms)| ms),
            on_timeout,
            mode,
        }
    }

    /// Reads the setting's value and sets its key.
    fn apply(&mut self, setting: Setting) -> syn::Result<()> {
        let (key, ident) = (setting.key, setting.ident.clone());
        match key {
            Key::Secs => self.set_timeout(key, &ident, values::secs(setting.value()?)?),
            Key::Ms => self.set_timeout(key, &ident, values::ms(setting.value()?)?),
            Key::Duration => self.set_timeout(key, &ident, values::duration(setting.value()?)?),
            Key::Fallback => {
                let fallback = values::expr(setting.value()?, key)?;
                set(&mut self.fallback, fallback, &ident)
            }
            Key::Grace => {
                let ms = values::millis(setting.value()?, key)?;
                set(&mut self.grace, (ident.span(), ms), &ident)
            }
            Key::Name => {
                let name = values::name(setting.value()?)?;
                set(&mut self.name, name, &ident)
            }
            Key::Crate => {
                let path = values::crate_path(setting.value()?)?;
                set(&mut self.krate, path, &ident)
            }
            Key::Inline => match setting.flag()? {
                None => set(&mut self.inline, ident.span(), &ident),
                Some(value) => Err(values::inline(value)),
            },
        }
    }

    /// After an error in `key`'s setting: make the key count as given, so
    /// that its absence causes no second error.
    fn stand_in(&mut self, key: Key, span: Span) {
        match key {
            Key::Secs | Key::Ms | Key::Duration => {
                self.timeout
                    .get_or_insert((span, Key::Secs.name(), STAND_IN));
            }
            Key::Fallback => {
                if self.fallback.is_none() {
                    self.fallback = Some(parse_quote!(::core::unreachable!()));
                    self.fallback_stand_in = true;
                }
            }
            Key::Inline => {
                self.inline.get_or_insert(span);
            }
            Key::Grace | Key::Name | Key::Crate => {}
        }
    }

    /// `secs`, `ms` and `duration` all set the one timeout.
    fn set_timeout(&mut self, key: Key, ident: &Ident, timeout: Timeout) -> syn::Result<()> {
        let name = key.name();
        if let Some((_, first, _)) = &self.timeout {
            let message = if *first == name {
                format!("`{name}` is given twice: keep one")
            } else {
                format!(
                    "`{name}` and `{first}` both set the timeout: keep one of `secs`, `ms` and `duration`"
                )
            };
            return Err(syn::Error::new(ident.span(), message));
        }
        self.timeout = Some((ident.span(), name, timeout));
        Ok(())
    }
}

/// Sets a key given at most once.
fn set<T>(slot: &mut Option<T>, value: T, ident: &Ident) -> syn::Result<()> {
    if slot.is_some() {
        return Err(syn::Error::new(
            ident.span(),
            format!("`{ident}` is given twice: keep one"),
        ));
    }
    *slot = Some(value);
    Ok(())
}

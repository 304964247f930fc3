//! Where bodies come from: the label and source position of one call site.
//! A leaf, so that the reporting layer can name a site without knowing the
//! registry that counts it.

use std::sync::OnceLock;

/// The label and source position of a call site.
#[derive(Debug)]
pub(crate) struct Origin {
    /// The call's label: `name = "…"`, the fn's name, `timebox::spawn` or
    /// `timebox::call`.
    pub(crate) name: &'static str,
    /// The module path of the fn; empty for sites made at run time.
    pub(crate) module: &'static str,
    pub(crate) file: &'static str,
    pub(crate) line: u32,
    /// `line` as text, made once: a metrics label, without an allocation
    /// per call.
    pub(crate) line_text: OnceLock<String>,
}

impl Origin {
    pub(crate) const fn new(
        name: &'static str,
        module: &'static str,
        file: &'static str,
        line: u32,
    ) -> Self {
        Origin {
            name,
            module,
            file,
            line,
            line_text: OnceLock::new(),
        }
    }

    /// The line as text.
    #[cfg_attr(not(feature = "metrics"), allow(dead_code))]
    pub(crate) fn line_text(&'static self) -> &'static str {
        self.line_text.get_or_init(|| self.line.to_string())
    }
}

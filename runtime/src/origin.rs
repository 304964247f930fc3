//! Where bodies come from: the label and source position of one call site.
//! A leaf, so that the reporting layer can name a site without knowing the
//! registry that counts it.

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
}

//! Reading a stored vocabulary value (a status, a module, a role) back into
//! its type. Steward writes these columns from the types themselves, so an
//! unknown value means the row was changed outside Steward or by a faulty
//! migration: that is an error naming the row, never a silent default that
//! would show a ticket as `open` or a user as a `customer`.

use std::fmt::Display;
use std::str::FromStr;

use crate::error::{AppError, AppResult};

/// `value`, read from `column` of row `row` of `table` (its id, or what
/// the row stands for in an aggregate), as a `T`.
pub fn stored<T: FromStr>(
    table: &str,
    row: impl Display,
    column: &str,
    value: &str,
) -> AppResult<T> {
    value.parse().map_err(|_| {
        AppError::Internal(anyhow::anyhow!(
            "{table} row {row}: {column} holds {value:?}, which is not one of its values"
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use shared::ErpModule;

    #[test]
    fn a_known_value_reads_and_an_unknown_one_names_the_row() {
        let module: ErpModule = stored("tickets", 7, "module", "finance").unwrap();
        assert_eq!(module, ErpModule::Finance);
        let err = stored::<ErpModule>("tickets", 7, "module", "fiance").unwrap_err();
        let text = format!("{err:?}");
        assert!(text.contains("tickets row 7"), "{text}");
        assert!(text.contains("\"fiance\""), "{text}");
    }
}

//! `GET tickets-statuses.php`: the helpdesk's ticket statuses ordered by their `sort` column.
//! This module must not import `ext_php_rs` or `mysql`.

use crate::error::Result;
use crate::render::Node;
use crate::sql::{Query, Store, Tables};

/// The statuses query: id, name, state, ordered as osTicket lists them.
pub fn query(tables: &Tables) -> Query {
    Query::new(
        format!(
            "SELECT id, name, state FROM {} ORDER BY sort, id",
            tables.t("ticket_status")
        ),
        vec![],
    )
}

/// `[{"id", "name", "state"}]`
pub fn list(store: &mut dyn Store, tables: &Tables) -> Result<Node> {
    let rows = store.rows(&query(tables))?;
    Ok(Node::List(
        rows.iter()
            .map(|r| {
                Node::map(3)
                    .with("id", r.int(0))
                    .with("name", r.text(1))
                    .with("state", r.text(2))
            })
            .collect(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_query_orders_by_sort() {
        let q = query(&Tables::new("ost_").unwrap());
        assert_eq!(
            q.sql,
            "SELECT id, name, state FROM `ost_ticket_status` ORDER BY sort, id"
        );
        assert!(q.params.is_empty());
    }
}

//! The index's documents: one per ticket.
//!
//! * `id` (indexed, fast): the ticket id, to replace a ticket's document and to map hits to tickets;
//! * `subject_trigrams` (positions), `number`: the trigrams of the folded subject at their
//!   positions ([`super::fold`]) and the hash of the folded number, for `query`; an index without
//!   `subject_trigrams` is of an older format (answered through SQL until rebuilt);
//! * `created`, `updated` (fast): the ticket's dates as `YYYYMMDDhhmmss`, to page the matches
//!   of a `query` without filters in the index;
//! * `subject`, `body` (the text of every thread entry, titles included), `people` (the user's
//!   name and e-mail, the ticket number): words for `mode=fulltext`, analysed by [`ANALYZER`]
//!   ([`super::words`]: words, and bigrams of CJK and Thai text);
//! * the ticket's attributes that searches filter and sort by ([`Attrs`], fast fields, the
//!   equality ones also indexed): status, department, agent, team, topic, user, overdue flag,
//!   parent, priority, created, updated and a sort key of the number.

use tantivy::schema::{
    Field, IndexRecordOption, Schema, TextFieldIndexing, TextOptions, FAST, INDEXED,
};
use tantivy::tokenizer::{AsciiFoldingFilter, LowerCaser, RemoveLongFilter, TextAnalyzer};
use tantivy::Index;

use super::words::{Mode, WordTokenizer};

/// Name of the text analyser: words, lower-cased, accents folded (`Müller` finds `muller`).
pub const ANALYZER: &str = "osticket_words";

/// The format of the documents and their analysis, recorded in every commit's payload. An index
/// of another format is not used (search answers through SQL) until it is rebuilt. Raise it
/// whenever documents or [`analyzer`] change. 1: words of `SimpleTokenizer`; 2: CJK and Thai
/// bigrams, combining marks kept with their character, NFC.
pub const FORMAT: u32 = 2;

/// The fields of the schema.
#[derive(Debug, Clone, Copy)]
pub struct Fields {
    /// Ticket id.
    pub id: Field,
    /// Subject trigrams, with positions.
    pub grams: Field,
    /// Hash of the folded ticket number.
    pub number: Field,
    /// Subject words.
    pub subject: Field,
    /// Thread entry words.
    pub body: Field,
    /// User name, e-mail and ticket number.
    pub people: Field,
    /// Filter and sort attributes.
    pub attrs: Attrs,
}

/// The attribute fields: `t.status_id`, `t.dept_id`, `t.staff_id`, `t.team_id`, `t.topic_id`,
/// `t.user_id`, `t.isoverdue`, `t.ticket_pid` (0: none), `cd.priority` (as a number; [`NONE`]
/// when it is not one), `t.created` and `t.updated` (seconds, [`i64::MIN`] for a date that does
/// not parse), `t.number` (its first 8 bytes upper-cased, big-endian; [`NONE`] when that does not
/// order as the database does).
#[derive(Debug, Clone, Copy)]
pub struct Attrs {
    /// `status_id`.
    pub status: Field,
    /// `dept_id`.
    pub dept: Field,
    /// `staff_id`.
    pub staff: Field,
    /// `team_id`.
    pub team: Field,
    /// `topic_id`.
    pub topic: Field,
    /// `user_id`.
    pub user: Field,
    /// `isoverdue`.
    pub overdue: Field,
    /// `ticket_pid`.
    pub parent: Field,
    /// `cd.priority`.
    pub priority: Field,
    /// `created`.
    pub created: Field,
    /// `updated`.
    pub updated: Field,
    /// Sort key of `number`.
    pub number_key: Field,
}

/// Value of an attribute that has none the index can use.
pub const NONE: u64 = u64::MAX;

/// Names of the attribute fields, in [`Attrs`] order.
const ATTRS: [&str; 12] = [
    "a_status",
    "a_dept",
    "a_staff",
    "a_team",
    "a_topic",
    "a_user",
    "a_overdue",
    "a_parent",
    "a_priority",
    "a_created",
    "a_updated",
    "a_number",
];

fn attrs(schema: &Schema) -> Option<Attrs> {
    let [status, dept, staff, team, topic, user, overdue, parent, priority, created, updated, number_key] =
        ATTRS.map(|name| schema.get_field(name).ok());
    Some(Attrs {
        status: status?,
        dept: dept?,
        staff: staff?,
        team: team?,
        topic: topic?,
        user: user?,
        overdue: overdue?,
        parent: parent?,
        priority: priority?,
        created: created?,
        updated: updated?,
        number_key: number_key?,
    })
}

/// The schema and its fields.
pub fn schema() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let id = b.add_u64_field("id", INDEXED | FAST);
    let grams = b.add_text_field(
        "subject_trigrams",
        TextOptions::default().set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer("raw")
                .set_index_option(IndexRecordOption::WithFreqsAndPositions),
        ),
    );
    let number = b.add_u64_field("number", INDEXED);
    let words = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer(ANALYZER)
            .set_index_option(IndexRecordOption::WithFreqsAndPositions),
    );
    let subject = b.add_text_field("subject", words.clone());
    let body = b.add_text_field("body", words.clone());
    let people = b.add_text_field("people", words);
    // Equality filters are term lookups; dates are ranges over the fast column.
    let mut attr = |name: &str| b.add_u64_field(name, INDEXED | FAST);
    let (status, dept, staff, team, topic, user, overdue, parent, priority) = (
        attr(ATTRS[0]),
        attr(ATTRS[1]),
        attr(ATTRS[2]),
        attr(ATTRS[3]),
        attr(ATTRS[4]),
        attr(ATTRS[5]),
        attr(ATTRS[6]),
        attr(ATTRS[7]),
        attr(ATTRS[8]),
    );
    let created = b.add_i64_field(ATTRS[9], FAST);
    let updated = b.add_i64_field(ATTRS[10], FAST);
    let number_key = b.add_u64_field(ATTRS[11], INDEXED | FAST);
    (
        b.build(),
        Fields {
            id,
            grams,
            number,
            subject,
            body,
            people,
            attrs: Attrs {
                status,
                dept,
                staff,
                team,
                topic,
                user,
                overdue,
                parent,
                priority,
                created,
                updated,
                number_key,
            },
        },
    )
}

/// The fields of an opened index (`None`: not this schema).
pub fn fields(schema: &Schema) -> Option<Fields> {
    Some(Fields {
        id: schema.get_field("id").ok()?,
        grams: schema.get_field("subject_trigrams").ok()?,
        number: schema.get_field("number").ok()?,
        subject: schema.get_field("subject").ok()?,
        body: schema.get_field("body").ok()?,
        people: schema.get_field("people").ok()?,
        attrs: attrs(schema)?,
    })
}

/// The word analyser of the index.
pub fn analyzer() -> TextAnalyzer {
    analyzer_for(Mode::Index)
}

/// The word analyser of a query: the index's, with bigrams only for CJK and Thai runs.
pub fn query_analyzer() -> TextAnalyzer {
    analyzer_for(Mode::Query)
}

fn analyzer_for(mode: Mode) -> TextAnalyzer {
    TextAnalyzer::builder(WordTokenizer::new(mode))
        .filter(RemoveLongFilter::limit(40))
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter)
        .build()
}

/// Registers the analyser on an opened or created index.
pub fn register(index: &Index) {
    index.tokenizers().register(ANALYZER, analyzer());
}

//! `kb-quality`: how well the help-center search answers customers'
//! questions, against PostgreSQL full-text search as the baseline.
//!
//! Loads the articles (`demo/help-center`) and the evaluation set
//! (`data/kb-eval.toml`), asks every question, and reports per kind of
//! question recall@1, recall@3 and MRR (over the first 10 results) of the
//! ranked search, and for out-of-scope questions how often the bot's
//! `suggest` abstains. The same questions go, in the same run, to
//! PostgreSQL's `russian` full-text search over the same articles
//! (`to_tsvector('russian', title || ' ' || body)`, ranked by `ts_rank`),
//! both with `websearch_to_tsquery` (all words must match, what helpdesks
//! ship) and with the words OR-ed (a fairer baseline for long messages).
//! Hotline is also run as the bot runs in a chat, with the chat's
//! department (the answer's department; in turn for out-of-scope questions),
//! which boosts that department's articles.

use crate::kb_data::{self, DEFAULT_ARTICLES, DEFAULT_EVAL, HELDOUT2_EVAL, Question};
use anyhow::{Context, Result, bail};
use hotline_search::{ArticleDoc, SearchIndex, Synonyms};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::PathBuf;

/// Results read per question: MRR counts a hit up to this rank.
const RESULTS: usize = 10;

/// The table is written between these markers in `--write-doc`.
const DOC_BEGIN: &str = "<!-- kb-quality:begin -->";
const DOC_END: &str = "<!-- kb-quality:end -->";

#[derive(clap::Args)]
pub struct Args {
    /// Directory of article files (front matter + Markdown).
    #[arg(long, default_value = DEFAULT_ARTICLES)]
    articles: PathBuf,
    /// The evaluation set (TOML, `[[question]]` with kind, text, expect).
    #[arg(long, default_value = DEFAULT_EVAL)]
    eval: PathBuf,
    /// Ask the held-out set (`data/kb-eval-heldout2.toml`) instead of `--eval`.
    #[arg(long)]
    heldout: bool,
    /// PostgreSQL for the baseline, e.g. postgres://postgres@127.0.0.1:5432/test.
    /// Without it the baseline is skipped.
    #[arg(long, env = "HOTLINE_BENCH_POSTGRES_URL")]
    postgres_url: Option<String>,
    /// Write the tables into this Markdown file, between
    /// `<!-- kb-quality:begin -->` and `<!-- kb-quality:end -->`.
    #[arg(long)]
    write_doc: Option<PathBuf>,
    /// Print each question's best-hit confidence and the abstention
    /// threshold that separates in-scope from out-of-scope questions best.
    #[arg(long)]
    calibrate: bool,
    /// Print the questions each engine gets wrong (a right article not
    /// first, or answered when out of scope).
    #[arg(long)]
    show_misses: bool,
}

/// What an engine answered to one question.
struct Answer {
    ranked: Vec<String>,
    /// The bot would say «I don't know».
    abstained: bool,
}

#[derive(Default, Clone)]
struct Score {
    questions: usize,
    at1: usize,
    at3: usize,
    reciprocal_rank: f64,
    /// In-scope: the bot offered a right article; out-of-scope: it abstained.
    bot_right: usize,
}

impl Score {
    fn add(&mut self, question: &Question, answer: &Answer) {
        self.questions += 1;
        if !question.in_scope() {
            self.bot_right += usize::from(answer.abstained);
            return;
        }
        let rank = answer
            .ranked
            .iter()
            .position(|id| question.expect.contains(id));
        if let Some(rank) = rank {
            self.at1 += usize::from(rank == 0);
            self.at3 += usize::from(rank < 3);
            self.reciprocal_rank += 1.0 / (rank + 1) as f64;
            self.bot_right += usize::from(!answer.abstained && rank < 3);
        }
    }

    fn ratio(&self, count: usize) -> f64 {
        if self.questions == 0 {
            0.0
        } else {
            count as f64 / self.questions as f64
        }
    }
}

/// Scores per kind, plus "overall" over the in-scope kinds.
#[derive(Default)]
struct Report {
    by_kind: BTreeMap<String, Score>,
    overall: Score,
    /// In-scope questions written from the article titles alone.
    blind: Score,
}

impl Report {
    fn add(&mut self, question: &Question, answer: &Answer) {
        self.by_kind
            .entry(question.kind.clone())
            .or_default()
            .add(question, answer);
        if question.in_scope() {
            self.overall.add(question, answer);
            if question.blind {
                self.blind.add(question, answer);
            }
        }
    }
}

struct Engine {
    name: &'static str,
    report: Report,
    misses: Vec<String>,
}

pub async fn run(args: Args) -> Result<()> {
    let articles = kb_data::load_articles(&args.articles)?;
    let eval_path = if args.heldout {
        PathBuf::from(HELDOUT2_EVAL)
    } else {
        args.eval.clone()
    };
    let eval = kb_data::load_eval(&eval_path, &articles)?;
    eprintln!(
        "kb-quality: {} articles, {} questions ({} out of scope)",
        articles.len(),
        eval.question.len(),
        eval.question.iter().filter(|q| !q.in_scope()).count()
    );

    let index = SearchIndex::new(Synonyms::builtin())?;
    index.rebuild(&articles)?;
    let mut engines = vec![
        Engine::new("Hotline"),
        Engine::new("Hotline, chat's department"),
    ];
    let departments: Vec<&str> = {
        let mut all: Vec<&str> = articles.iter().map(|a| a.department.as_str()).collect();
        all.sort_unstable();
        all.dedup();
        all
    };
    let postgres = match &args.postgres_url {
        Some(url) => Some(Postgres::load(url, &articles).await?),
        None => {
            eprintln!(
                "notice: no --postgres-url (or HOTLINE_BENCH_POSTGRES_URL): the PostgreSQL baseline is skipped"
            );
            None
        }
    };
    if postgres.is_some() {
        engines.push(Engine::new("PostgreSQL AND"));
        engines.push(Engine::new("PostgreSQL OR"));
    }

    let mut calibration = Vec::new();
    let total = eval.question.len();
    for (done, question) in eval.question.iter().enumerate() {
        let hits = index.search(&question.text, None, RESULTS)?;
        let suggestions = index.suggest(&question.text, None)?;
        let hotline = Answer {
            ranked: hits.into_iter().map(|h| h.id).collect(),
            abstained: suggestions.is_empty(),
        };
        if args.calibrate {
            let confidence = index.confidence(&question.text, None)?;
            let label = confidence.map_or("-".to_owned(), |c| {
                format!(
                    "mass {:.2} head {:.2} coverage {:.2}",
                    c.mass, c.head_mass, c.coverage
                )
            });
            let confidence = confidence.map(|c| c.value);
            let right = hotline
                .ranked
                .iter()
                .take(3)
                .any(|id| question.expect.contains(id));
            calibration.push((question, confidence, right, label));
        }
        engines[0].record(question, hotline);
        // The chat's department: the answer's for in-scope questions,
        // taken in turn for out-of-scope ones.
        let department = question
            .expect
            .first()
            .and_then(|id| articles.iter().find(|a| &a.id == id))
            .map(|a| a.department.as_str())
            .or_else(|| departments.get(done % departments.len().max(1)).copied());
        let hits = index.search(&question.text, department, RESULTS)?;
        let suggestions = index.suggest(&question.text, department)?;
        engines[1].record(
            question,
            Answer {
                ranked: hits.into_iter().map(|h| h.id).collect(),
                abstained: suggestions.is_empty(),
            },
        );
        if let Some(pg) = &postgres {
            let and = pg.search(&question.text, false).await?;
            engines[2].record(question, and);
            let or = pg.search(&question.text, true).await?;
            engines[3].record(question, or);
        }
        if (done + 1) % 25 == 0 || done + 1 == total {
            eprintln!("kb-quality: {}/{} questions", done + 1, total);
        }
    }

    if args.calibrate {
        print_calibration(&calibration);
    }
    if args.show_misses {
        for engine in &engines {
            println!("\n{} misses ({}):", engine.name, engine.misses.len());
            for miss in &engine.misses {
                println!("  {miss}");
            }
        }
    }
    let tables = tables(&engines, articles.len(), total);
    println!("{tables}");
    if let Some(path) = &args.write_doc {
        write_doc(path, &tables)?;
        eprintln!("kb-quality: tables written into {}", path.display());
    }
    Ok(())
}

impl Engine {
    fn new(name: &'static str) -> Self {
        Engine {
            name,
            report: Report::default(),
            misses: Vec::new(),
        }
    }

    fn record(&mut self, question: &Question, answer: Answer) {
        let top3 = answer
            .ranked
            .iter()
            .take(3)
            .any(|id| question.expect.contains(id));
        let top1 = answer
            .ranked
            .first()
            .is_some_and(|id| question.expect.contains(id));
        let wrong = if question.in_scope() {
            !top1
        } else {
            !answer.abstained
        };
        if wrong {
            // Misses past the first result are marked: they still count for R@3.
            self.misses.push(format!(
                "[{}{}] {} → {:?} (want {:?}{})",
                question.kind,
                if question.in_scope() && top3 {
                    ", in top 3"
                } else {
                    ""
                },
                question.text,
                answer.ranked.iter().take(3).collect::<Vec<_>>(),
                question.expect,
                if answer.abstained { ", abstained" } else { "" }
            ));
        }
        self.report.add(question, &answer);
    }
}

fn tables(engines: &[Engine], articles: usize, questions: usize) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{articles} articles, {questions} questions. Recall@k: share of questions with a right article in the first k results; MRR over the first {RESULTS}.\n"
    );
    let mut header = String::from("| kind | questions |");
    let mut rule = String::from("|---|---:|");
    for engine in engines {
        let _ = write!(header, " {0} R@1 | {0} R@3 | {0} MRR |", engine.name);
        rule.push_str("---:|---:|---:|");
    }
    let _ = writeln!(out, "{header}\n{rule}");
    let kinds: Vec<&String> = engines[0]
        .report
        .by_kind
        .iter()
        .filter(|(_, s)| s.at1 + s.at3 > 0 || s.bot_right < s.questions || s.reciprocal_rank > 0.0)
        .map(|(k, _)| k)
        .filter(|k| k.as_str() != "out_of_scope")
        .collect();
    let mut rows: Vec<(String, Vec<Score>)> = kinds
        .iter()
        .map(|kind| {
            (
                (*kind).clone(),
                engines
                    .iter()
                    .map(|e| e.report.by_kind.get(*kind).cloned().unwrap_or_default())
                    .collect(),
            )
        })
        .collect();
    rows.push((
        "**overall**".into(),
        engines.iter().map(|e| e.report.overall.clone()).collect(),
    ));
    if engines[0].report.blind.questions > 0 {
        rows.push((
            "of them written from titles only".into(),
            engines.iter().map(|e| e.report.blind.clone()).collect(),
        ));
    }
    for (kind, scores) in rows {
        let _ = write!(out, "| {kind} | {} |", scores[0].questions);
        for s in &scores {
            let _ = write!(
                out,
                " {:.2} | {:.2} | {:.2} |",
                s.ratio(s.at1),
                s.ratio(s.at3),
                s.reciprocal_rank / s.questions.max(1) as f64
            );
        }
        out.push('\n');
    }
    let _ = writeln!(
        out,
        "\nThe bot (`suggest`): an in-scope question is answered when a right article is among the (at most 3) suggestions; an out-of-scope one when nothing is offered. PostgreSQL \"abstains\" when no article matches.\n"
    );
    let _ = writeln!(
        out,
        "| engine | in-scope answered | out-of-scope abstained |\n|---|---:|---:|"
    );
    for engine in engines {
        let oos = engine
            .report
            .by_kind
            .get("out_of_scope")
            .cloned()
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "| {} | {:.2} | {:.2} ({}/{}) |",
            engine.name,
            engine.report.overall.ratio(engine.report.overall.bot_right),
            oos.ratio(oos.bot_right),
            oos.bot_right,
            oos.questions
        );
    }
    out
}

fn write_doc(path: &std::path::Path, tables: &str) -> Result<()> {
    let doc =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    let (Some(begin), Some(end)) = (doc.find(DOC_BEGIN), doc.find(DOC_END)) else {
        bail!(
            "{} has no {DOC_BEGIN} … {DOC_END} markers; add them where the tables go",
            path.display()
        );
    };
    let updated = format!("{}{DOC_BEGIN}\n{tables}{}", &doc[..begin], &doc[end..]);
    std::fs::write(path, updated).with_context(|| format!("cannot write {}", path.display()))
}

fn print_calibration(rows: &[(&Question, Option<f32>, bool, String)]) {
    println!("\nconfidence of the best hit (kind, confidence, right article in top 3, question):");
    let mut sorted: Vec<_> = rows.iter().collect();
    sorted.sort_by(|a, b| a.1.unwrap_or(-1.0).total_cmp(&b.1.unwrap_or(-1.0)));
    for (question, confidence, right, label) in &sorted {
        println!(
            "  {:<13} {:>6} {:<5} {label:<38} {}",
            question.kind,
            confidence.map_or("-".into(), |c| format!("{c:.3}")),
            right,
            question.text
        );
    }
    // The threshold t: suggest answers when confidence ≥ t. Score every t
    // between observed values by balanced accuracy — the mean of the share
    // of in-scope questions answered with a right article and the share of
    // out-of-scope questions abstained on — so that the 8:1 majority of
    // in-scope questions does not decide alone.
    let in_scope = rows.iter().filter(|r| r.0.in_scope()).count().max(1) as f64;
    let out_of_scope = rows.iter().filter(|r| !r.0.in_scope()).count().max(1) as f64;
    let mut candidates: Vec<f32> = rows.iter().filter_map(|r| r.1).collect();
    candidates.push(0.0);
    candidates.sort_by(f32::total_cmp);
    candidates.dedup();
    let mut best: Option<(f64, f32, f32, f64, f64)> = None;
    for pair in candidates.windows(2) {
        let t = (pair[0] + pair[1]) / 2.0;
        let answered = |c: &Option<f32>| c.is_some_and(|c| c >= t);
        let answered_right = rows
            .iter()
            .filter(|(q, c, top3, _)| q.in_scope() && answered(c) && *top3)
            .count() as f64
            / in_scope;
        let abstained = rows
            .iter()
            .filter(|(q, c, _, _)| !q.in_scope() && !answered(c))
            .count() as f64
            / out_of_scope;
        let balanced = (answered_right + abstained) / 2.0;
        if best.is_none_or(|b| balanced > b.0) {
            best = Some((balanced, t, pair[1], answered_right, abstained));
        }
    }
    if let Some((balanced, t, upper, answered, abstained)) = best {
        println!(
            "\nbest threshold: {t:.3} (up to {upper:.3} does as well): balanced accuracy {balanced:.3}, in-scope answered {answered:.3}, out-of-scope abstained {abstained:.3}"
        );
    }
}

/// The baseline: the articles in a temporary table of a PostgreSQL session.
struct Postgres {
    client: tokio_postgres::Client,
}

impl Postgres {
    async fn load(url: &str, articles: &[ArticleDoc]) -> Result<Self> {
        let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
            .await
            .with_context(|| {
                format!("cannot connect to PostgreSQL at {url}; check --postgres-url")
            })?;
        tokio::spawn(async move {
            if let Err(e) = connection.await {
                eprintln!("PostgreSQL connection: {e}");
            }
        });
        client
            .batch_execute(
                "CREATE TEMP TABLE kb_articles (id text PRIMARY KEY, tsv tsvector NOT NULL)",
            )
            .await?;
        let insert = client
            .prepare(
                "INSERT INTO kb_articles (id, tsv) VALUES ($1, to_tsvector('russian', $2 || ' ' || $3))",
            )
            .await?;
        for article in articles {
            client
                .execute(&insert, &[&article.id, &article.title, &article.body])
                .await?;
        }
        client
            .batch_execute("CREATE INDEX ON kb_articles USING gin (tsv); ANALYZE kb_articles")
            .await?;
        eprintln!(
            "kb-quality: {} articles loaded into PostgreSQL",
            articles.len()
        );
        Ok(Postgres { client })
    }

    async fn search(&self, text: &str, or: bool) -> Result<Answer> {
        let sql = if or {
            "SELECT id FROM kb_articles, \
             to_tsquery('russian', replace(plainto_tsquery('russian', $1)::text, ' & ', ' | ')) q \
             WHERE tsv @@ q ORDER BY ts_rank(tsv, q) DESC, id LIMIT 10"
        } else {
            "SELECT id FROM kb_articles, websearch_to_tsquery('russian', $1) q \
             WHERE tsv @@ q ORDER BY ts_rank(tsv, q) DESC, id LIMIT 10"
        };
        let rows = self.client.query(sql, &[&text]).await?;
        let ranked: Vec<String> = rows.iter().map(|r| r.get(0)).collect();
        Ok(Answer {
            abstained: ranked.is_empty(),
            ranked,
        })
    }
}

#[cfg(test)]
mod tests {
    //! The evaluation sets as regression tests: the scores of the engine
    //! published in docs/search-quality.md may not fall below these floors
    //! (a little under the published numbers, so that a deliberate trade-off
    //! elsewhere is visible here rather than silent).

    use super::*;

    /// Floors on the tuned set (`kb-eval.toml`; published: R@3 1.00,
    /// 24 of 25 out-of-scope questions abstained).
    const TUNED_R3: f64 = 0.97;
    const TUNED_ABSTAINED: f64 = 0.92;
    /// Floors on the held-out set (`kb-eval-heldout2.toml`; published:
    /// R@3 0.91, 29 of 30 abstained).
    const HELDOUT_R3: f64 = 0.89;
    const HELDOUT_ABSTAINED: f64 = 0.93;

    use crate::kb_data::repository;

    fn evaluate(eval: &str) -> Report {
        let articles = kb_data::load_articles(&repository(DEFAULT_ARTICLES)).unwrap();
        let eval = kb_data::load_eval(&repository(eval), &articles).unwrap();
        let index = SearchIndex::new(Synonyms::builtin()).unwrap();
        index.rebuild(&articles).unwrap();
        let mut engine = Engine::new("Hotline");
        for question in &eval.question {
            let hits = index.search(&question.text, None, RESULTS).unwrap();
            let suggestions = index.suggest(&question.text, None).unwrap();
            engine.record(
                question,
                Answer {
                    ranked: hits.into_iter().map(|h| h.id).collect(),
                    abstained: suggestions.is_empty(),
                },
            );
        }
        println!(
            "{}",
            tables(
                std::slice::from_ref(&engine),
                articles.len(),
                eval.question.len()
            )
        );
        for miss in &engine.misses {
            println!("  {miss}");
        }
        engine.report
    }

    fn abstained(report: &Report) -> f64 {
        let oos = report
            .by_kind
            .get("out_of_scope")
            .cloned()
            .unwrap_or_default();
        oos.ratio(oos.bot_right)
    }

    #[test]
    fn the_tuned_set_keeps_its_scores() {
        let report = evaluate(DEFAULT_EVAL);
        let overall = &report.overall;
        assert!(
            overall.ratio(overall.at3) >= TUNED_R3,
            "R@3 {}",
            overall.ratio(overall.at3)
        );
        assert!(
            abstained(&report) >= TUNED_ABSTAINED,
            "abstained {}",
            abstained(&report)
        );
    }

    #[test]
    fn the_heldout_set_keeps_its_scores() {
        let report = evaluate(HELDOUT2_EVAL);
        let overall = &report.overall;
        assert!(
            overall.ratio(overall.at3) >= HELDOUT_R3,
            "R@3 {}",
            overall.ratio(overall.at3)
        );
        assert!(
            abstained(&report) >= HELDOUT_ABSTAINED,
            "abstained {}",
            abstained(&report)
        );
    }
}

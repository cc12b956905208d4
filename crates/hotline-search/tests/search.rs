//! Search behaviour over a small real index.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use hotline_search::{ArticleDoc, SearchIndex, Synonyms};

fn article(id: &str, department: &str, title: &str, tags: &[&str], body: &str) -> ArticleDoc {
    ArticleDoc {
        id: id.into(),
        department: department.into(),
        section: "Раздел".into(),
        title: title.into(),
        tags: tags.iter().map(|t| (*t).to_owned()).collect(),
        body: body.into(),
    }
}

fn articles() -> Vec<ArticleDoc> {
    vec![
        article(
            "refund-cancelled-order",
            "marketplace",
            "Когда вернутся деньги за отменённый заказ",
            &["возврат", "отмена"],
            "Если заказ отменён, деньги возвращаются на карту за 3–10 рабочих дней. Писать в поддержку не нужно.",
        ),
        article(
            "delivery-times",
            "marketplace",
            "Сроки доставки заказа",
            &["доставка"],
            "Срок доставки показан при оформлении. Товары со склада приезжают за 1–3 дня.",
        ),
        article(
            "baggage-lost",
            "travel",
            "Багаж потерялся",
            &["багаж", "розыск"],
            "Если чемодан не появился на ленте, обратитесь в службу розыска багажа аэропорта.",
        ),
        article(
            "card-block",
            "bank",
            "Как заблокировать карту",
            &["карта", "блокировка"],
            "Заблокируйте карту в приложении. Блокировка действует сразу.",
        ),
        article(
            "card-cashback",
            "bank",
            "Кешбэк по карте",
            &["кешбэк"],
            "Кешбэк приходит в начале месяца. Карту заблокировать при этом нельзя.",
        ),
        article(
            "travel-refund",
            "travel",
            "Возврат денег за поездку",
            &["возврат"],
            "Деньги за отменённую поездку возвращаются на карту.",
        ),
    ]
}

fn index() -> SearchIndex {
    let index = SearchIndex::new(Synonyms::builtin()).unwrap();
    index.rebuild(&articles()).unwrap();
    index
}

fn ids(index: &SearchIndex, query: &str, department: Option<&str>) -> Vec<String> {
    index
        .search(query, department, 10)
        .unwrap()
        .into_iter()
        .map(|h| h.id)
        .collect()
}

fn top(index: &SearchIndex, query: &str) -> Option<String> {
    ids(index, query, None).into_iter().next()
}

#[test]
fn inflected_words_find_the_article() {
    let index = index();
    assert_eq!(index.len(), 6);
    assert_eq!(
        top(&index, "доставкой заказов").as_deref(),
        Some("delivery-times")
    );
    assert_eq!(
        top(&index, "блокировки карты").as_deref(),
        Some("card-block")
    );
}

#[test]
fn a_title_match_outranks_a_passing_mention_in_the_body() {
    let index = index();
    // Both articles mention blocking a card; only one is about it.
    assert_eq!(
        ids(&index, "заблокировать карту", None)[..2],
        ["card-block", "card-cashback"]
    );
}

#[test]
fn russian_typed_on_qwerty_is_read_as_russian() {
    let index = index();
    assert_eq!(
        top(&index, ",fuf; gjnthzkcz").as_deref(),
        Some("baggage-lost")
    );
    assert_eq!(
        top(&index, "pf,kjrbhjdfnm rfhne").as_deref(),
        Some("card-block")
    );
}

#[test]
fn english_typed_on_russian_layout_is_read_as_english() {
    let index = index();
    // «дщые дуггфпу» is "lost luggage" typed with ЙЦУКЕН on.
    assert_eq!(top(&index, "дщые дгппфпу").as_deref(), Some("baggage-lost"));
}

#[test]
fn typos_are_tolerated() {
    let index = index();
    assert_eq!(
        top(&index, "сроки дастафки").as_deref(),
        Some("delivery-times")
    );
    assert_eq!(
        top(&index, "потерялся бгааж").as_deref(),
        Some("baggage-lost")
    );
}

#[test]
fn yo_and_ye_are_the_same_letter() {
    let index = index();
    assert_eq!(
        ids(&index, "отмененный заказ", None),
        ids(&index, "отменённый заказ", None)
    );
    assert_eq!(
        top(&index, "отмененный заказ").as_deref(),
        Some("refund-cancelled-order")
    );
}

#[test]
fn synonyms_find_articles_without_the_customers_words() {
    let index = index();
    // No article says «чемодан пропал»; the baggage one says «багаж потерялся».
    assert_eq!(
        top(&index, "пропал чемодан").as_deref(),
        Some("baggage-lost")
    );
    // English through the built-in vocabulary.
    assert_eq!(top(&index, "lost luggage").as_deref(), Some("baggage-lost"));
    assert_eq!(
        top(&index, "how to block my card").as_deref(),
        Some("card-block")
    );
}

#[test]
fn administrators_extend_the_synonyms() {
    let plain = SearchIndex::new(Synonyms::builtin()).unwrap();
    plain.rebuild(&articles()).unwrap();
    assert!(plain.search("шкрябнуть", None, 10).unwrap().is_empty());

    let mut synonyms = Synonyms::builtin();
    synonyms.extend(Synonyms::parse("заблокировать, шкрябнуть\n").unwrap());
    let extended = SearchIndex::new(synonyms).unwrap();
    extended.rebuild(&articles()).unwrap();
    assert_eq!(top(&extended, "шкрябнуть").as_deref(), Some("card-block"));
}

#[test]
fn the_department_boosts_without_hiding_the_others() {
    let index = index();
    let score = |department: Option<&str>, id: &str| {
        index
            .search("возврат денег", department, 10)
            .unwrap()
            .into_iter()
            .find(|h| h.id == id)
            .map(|h| h.score)
            .unwrap()
    };
    let plain = score(None, "refund-cancelled-order");
    let boosted = score(Some("marketplace"), "refund-cancelled-order");
    assert!(boosted > plain * 1.2, "{plain} → {boosted}");
    assert_eq!(
        score(Some("marketplace"), "travel-refund"),
        score(None, "travel-refund")
    );
    // Every department's articles stay in the results.
    let mut all = ids(&index, "возврат денег", None);
    let mut travel = ids(&index, "возврат денег", Some("travel"));
    assert_eq!(travel[0], "travel-refund");
    all.sort();
    travel.sort();
    assert_eq!(all, travel);
}

#[test]
fn changes_are_visible_to_the_next_search() {
    let index = index();
    let has = |index: &SearchIndex, query: &str| {
        ids(index, query, None).contains(&"travel-insurance".to_owned())
    };
    assert_eq!(index.len(), 6);

    let insurance = article(
        "travel-insurance",
        "travel",
        "Страховка для путешествия",
        &["страховка"],
        "Полис покрывает лечение за границей.",
    );
    index.upsert(&insurance).unwrap();
    assert_eq!(index.len(), 7);
    assert_eq!(
        top(&index, "страховка путешествия").as_deref(),
        Some("travel-insurance")
    );
    assert!(has(&index, "за границей"));

    let mut renamed = insurance.clone();
    renamed.title = "Медицинский полис".into();
    renamed.tags = vec!["полис".into()];
    renamed.body = "Полис покрывает лечение.".into();
    index.upsert(&renamed).unwrap();
    assert_eq!(index.len(), 7);
    assert!(!has(&index, "за границей"));
    assert_eq!(
        top(&index, "медицинский полис").as_deref(),
        Some("travel-insurance")
    );

    index.remove("travel-insurance").unwrap();
    index.remove("never-existed").unwrap();
    assert_eq!(index.len(), 6);
    assert!(!has(&index, "медицинский полис"));
}

#[test]
fn rebuild_replaces_everything() {
    let index = index();
    index.rebuild(&articles()[..1]).unwrap();
    assert_eq!(index.len(), 1);
    assert!(ids(&index, "багаж", None).is_empty());
    assert_eq!(
        top(&index, "отмененный заказ").as_deref(),
        Some("refund-cancelled-order")
    );
}

#[test]
fn suggest_offers_few_good_answers_and_abstains_on_the_rest() {
    let index = index();
    let suggestions = index
        .suggest("когда вернутся деньги за отмененный заказ", None)
        .unwrap();
    assert!(!suggestions.is_empty() && suggestions.len() <= 3);
    assert_eq!(suggestions[0].id, "refund-cancelled-order");

    for off_topic in [
        "как приготовить борщ",
        "посоветуйте фильм на вечер",
        "",
        "   ",
        "и в на",
    ] {
        assert!(
            index.suggest(off_topic, None).unwrap().is_empty(),
            "{off_topic}"
        );
    }
    // Search still ranks what matches at all; only suggest abstains.
    assert!(
        index
            .confidence("как приготовить борщ", None)
            .unwrap()
            .is_none()
    );
}

#[test]
fn snippets_show_the_sentence_about_the_query_as_plain_text() {
    let index = SearchIndex::new(Synonyms::builtin()).unwrap();
    index
        .rebuild(&[article(
            "md",
            "bank",
            "Лимиты",
            &[],
            "## Лимиты\n\nЛимиты видны в приложении.\n\n- **Снятие наличных** без комиссии — до 100 000 ₽ в [месяц](/x).\n",
        )])
        .unwrap();
    let hit = &index.search("снятие наличных", None, 1).unwrap()[0];
    assert_eq!(
        hit.snippet,
        "Снятие наличных без комиссии — до 100 000 ₽ в месяц."
    );
    assert_eq!(hit.title, "Лимиты");
    assert_eq!(hit.department, "bank");
    assert!(hit.score > 0.0);
}

#[test]
fn searches_run_while_articles_change() {
    let index = std::sync::Arc::new(index());
    let writer = {
        let index = index.clone();
        std::thread::spawn(move || {
            for round in 0..20 {
                let doc = article(
                    &format!("extra-{round}"),
                    "bank",
                    "Вклад",
                    &[],
                    "Проценты по вкладу.",
                );
                index.upsert(&doc).unwrap();
            }
        })
    };
    for _ in 0..50 {
        assert_eq!(
            top(&index, "багаж потерялся").as_deref(),
            Some("baggage-lost")
        );
    }
    writer.join().unwrap();
    assert_eq!(index.len(), 26);
}

#[test]
fn oversized_and_odd_queries_are_answered_quickly_and_calmly() {
    let index = index();
    let long_story = format!("{} где мой багаж потерялся", "бла ".repeat(5_000));
    assert!(index.search(&long_story, None, 10).is_ok());
    let one_long_word = "ф".repeat(10_000);
    assert!(index.suggest(&one_long_word, None).unwrap().is_empty());
    let many_words = "а,".repeat(10_000);
    assert!(index.search(&many_words, None, 10).is_ok());
    for odd in [
        "\u{202E}багаж",
        "багаж\0",
        "<script>alert(1)</script>",
        "🙂🙂🙂",
        "12345",
    ] {
        assert!(index.search(odd, Some("travel"), 10).is_ok(), "{odd}");
    }
    assert!(index.search("багаж", None, 0).unwrap().is_empty());
    assert!(!index.search("багаж", None, usize::MAX).unwrap().is_empty());
}

fn small_index(articles: &[ArticleDoc]) -> SearchIndex {
    let index = SearchIndex::new(Synonyms::builtin()).unwrap();
    index.rebuild(articles).unwrap();
    index
}

#[test]
fn irregular_forms_meet_through_the_dictionary() {
    let index = small_index(&[
        article(
            "ticket",
            "travel",
            "Билет на почте",
            &[],
            "Он пришёл в течение часа.",
        ),
        article("other", "travel", "Другое", &[], "Приходите в офис."),
    ]);
    // «пришли» and «пришёл» share no snowball stem; their lemma is «прийти».
    assert_eq!(top(&index, "пришли").as_deref(), Some("ticket"));
}

#[test]
fn a_negated_question_meets_the_negated_article_first() {
    let index = small_index(&[
        article(
            "ticket-came",
            "travel",
            "Билет пришёл на почту: что дальше",
            &["билет"],
            "Когда билет пришёл, распечатайте его.",
        ),
        article(
            "ticket-missing",
            "travel",
            "Не пришёл билет на почту",
            &["билет"],
            "Проверьте папку «Спам».",
        ),
    ]);
    assert_eq!(
        top(&index, "билет не пришел").as_deref(),
        Some("ticket-missing")
    );
    assert_eq!(top(&index, "билет пришел").as_deref(), Some("ticket-came"));
}

#[test]
fn a_word_meets_its_other_part_of_speech() {
    let index = small_index(&[
        article(
            "notifications",
            "bank",
            "Уведомления",
            &[],
            "Подключение уведомлений — в настройках.",
        ),
        article("sms", "bank", "СМС", &[], "Как подключить СМС."),
        article("other", "bank", "Вклады", &[], "Проценты по вкладу."),
    ]);
    // «подключить» → «подключ»; «подключение» → «подключен» (no synonym
    // group joins them). Only a query stem the index knows reaches its
    // relatives: here «sms» makes «подключ» known.
    assert_eq!(ids(&index, "подключить", None), ["sms", "notifications"]);
}

#[test]
fn the_question_of_a_long_story_outweighs_the_story() {
    let index = small_index(&[
        article(
            "hotel-dates",
            "travel",
            "Как изменить даты проживания",
            &["отель"],
            "Откройте бронирование и нажмите «Изменить даты».",
        ),
        article(
            "flight",
            "travel",
            "Перелёт и отпуск",
            &["отпуск"],
            "Отпуск, перелёт, море, неделя, муж, работа: всё о поездке в отпуск.",
        ),
    ]);
    let story = "Мы с мужем собирались в отпуск на море на неделю, но у мужа на работе \
                 перенесли отпуск, и перелёт тоже придётся менять. Как изменить даты проживания?";
    assert_eq!(top(&index, story).as_deref(), Some("hotel-dates"));
}

#[test]
fn alternative_questions_find_their_article_and_stay_with_its_id() {
    let index = index();
    let query = "шлагбаум у дома не открывается";
    assert!(index.suggest(query, None).unwrap().is_empty());

    let questions = vec!["Шлагбаум у дома не открывается".to_owned(), "  ".to_owned()];
    index.set_questions("card-block", &questions).unwrap();
    assert_eq!(top(&index, query).as_deref(), Some("card-block"));
    assert_eq!(index.suggest(query, None).unwrap()[0].id, "card-block");

    // Replacing the article or rebuilding the index keeps them.
    let mut edited = articles()[3].clone();
    edited.body = "Заблокируйте карту в приложении.".into();
    index.upsert(&edited).unwrap();
    assert_eq!(top(&index, query).as_deref(), Some("card-block"));
    index.rebuild(&articles()).unwrap();
    assert_eq!(top(&index, query).as_deref(), Some("card-block"));

    // An unknown id keeps its questions for when the article comes.
    index
        .set_questions("later", &["Где шлагбаум".to_owned()])
        .unwrap();
    assert_eq!(index.len(), 6);

    index.set_questions("card-block", &[]).unwrap();
    assert!(ids(&index, query, None).is_empty());
}

//! The pages' texts in Russian (the default) and English. One dictionary
//! serves both the server-rendered HTML and the scripts (handed to them as a
//! JSON data block), so a text is translated in exactly one place.

use axum::http::HeaderMap;
use axum::http::header::ACCEPT_LANGUAGE;
use std::collections::BTreeMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    Ru,
    En,
}

impl Lang {
    pub fn code(self) -> &'static str {
        match self {
            Lang::Ru => "ru",
            Lang::En => "en",
        }
    }

    /// `?lang=` wins; then the browser's preference; Russian otherwise.
    pub fn negotiate(query: Option<&str>, headers: &HeaderMap) -> Lang {
        match query {
            Some("en") => return Lang::En,
            Some("ru") => return Lang::Ru,
            _ => {}
        }
        let Some(accept) = headers.get(ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok()) else {
            return Lang::Ru;
        };
        let mut best: Option<(f32, Lang)> = None;
        for part in accept.split(',') {
            let mut pieces = part.trim().split(';');
            let tag = pieces
                .next()
                .unwrap_or_default()
                .trim()
                .to_ascii_lowercase();
            let quality = pieces
                .find_map(|p| p.trim().strip_prefix("q="))
                .and_then(|q| q.parse::<f32>().ok())
                .unwrap_or(1.0);
            let lang = match tag.split('-').next() {
                Some("ru") => Lang::Ru,
                Some("en") => Lang::En,
                _ => continue,
            };
            if best.is_none_or(|(q, _)| quality > q) {
                best = Some((quality, lang));
            }
        }
        best.map_or(Lang::Ru, |(_, lang)| lang)
    }

    pub fn text(self, key: &str) -> &'static str {
        TEXTS
            .iter()
            .find(|(k, _, _)| *k == key)
            .map_or("", |(_, ru, en)| match self {
                Lang::Ru => ru,
                Lang::En => en,
            })
    }

    /// The whole dictionary for the scripts (the pages hand it over as a
    /// JSON data block through askama's `json` filter).
    pub fn dictionary(self) -> BTreeMap<&'static str, &'static str> {
        TEXTS
            .iter()
            .map(|(k, ru, en)| (*k, if self == Lang::Ru { *ru } else { *en }))
            .collect()
    }
}

/// (key, Russian, English). Placeholders in braces are filled by the scripts.
const TEXTS: &[(&str, &str, &str)] = &[
    // Widget
    ("launcher", "Чат с поддержкой", "Chat with support"),
    ("widget_title", "Поддержка", "Support"),
    ("close", "Закрыть", "Close"),
    ("back", "Назад", "Back"),
    ("message", "Сообщение", "Message"),
    ("send", "Отправить", "Send"),
    ("attach", "Прикрепить файл", "Attach a file"),
    ("call_operator", "Позвать оператора", "Call an operator"),
    (
        "verified_label",
        "Официальный сотрудник поддержки",
        "Official support staff",
    ),
    (
        "verified_hint",
        "Этот знак ставит сама поддержка: так отмечены только сообщения её сотрудников и бота в этом чате. Текст сообщения подделать его не может. Поддержка никогда не просит коды из SMS, CVV и пароли.",
        "Support itself draws this mark: only messages of its staff and bot in this chat carry it, and no message text can fake it. Support never asks for SMS codes, CVV or passwords.",
    ),
    (
        "takeover_button",
        "Мой аккаунт взломали",
        "My account was hacked",
    ),
    ("security_team", "Служба безопасности", "Security team"),
    (
        "callback_title",
        "Звонок от поддержки",
        "A call from support",
    ),
    ("callback_order", "Заказать звонок", "Request a call"),
    (
        "callback_phone",
        "Перезвоним на номер из бронирования {phone}.",
        "We will call the number given at booking, {phone}.",
    ),
    (
        "callback_waiting",
        "Звонок заказан по бронированию {booking}: перезвоним на {phone} до {time}.",
        "A call is booked about {booking}: we will call {phone} by {time}.",
    ),
    ("claim_file", "Подать претензию", "File a formal claim"),
    ("claim_title", "Претензия", "Formal claim"),
    (
        "claim_intro",
        "Претензия — официальное требование к компании. Её регистрируют с номером, и по закону на неё отвечают в срок.",
        "A formal claim is an official demand to the company. It is registered with a number and, by law, answered within a set period.",
    ),
    ("claim_type", "Что случилось", "What happened"),
    ("claim_order", "Заказ или бронь", "Order or booking"),
    ("claim_no_order", "Без заказа", "No order"),
    (
        "claim_amount",
        "Сумма, ₽ (если есть)",
        "Amount, RUB (if any)",
    ),
    ("claim_demand", "Ваше требование", "What you demand"),
    ("claim_text", "Опишите ситуацию", "Describe what happened"),
    ("claim_send", "Отправить претензию", "Send the claim"),
    (
        "claim_filed",
        "Претензия № {number} принята",
        "Claim No. {number} is registered",
    ),
    (
        "claim_due",
        "Ответ — не позднее {date}.",
        "The answer is due by {date}.",
    ),
    ("claim_back", "Вернуться в чат", "Back to the chat"),
    (
        "dossier_download",
        "Скачать для регулятора",
        "Download for a regulator",
    ),
    (
        "dossier_failed",
        "Не удалось скачать. Попробуйте ещё раз.",
        "The download failed. Please try again.",
    ),
    ("where_next", "Куда обратиться дальше", "Where to go next"),
    (
        "where_next_intro",
        "Если компания не ответила на претензию в срок или ответ вас не устроил, вы можете обратиться в надзорный орган. Приложите архив «Скачать для регулятора»: в нём переписка, претензия с номером и сроками, ваши файлы и контрольные суммы.",
        "If the company did not answer your claim in time, or you disagree with the answer, you may turn to a regulator. Attach the «Download for a regulator» archive: it holds the dialogue, the claim with its number and deadlines, your files and their checksums.",
    ),
    (
        "where_rpn_title",
        "Роспотребнадзор — через Госуслуги",
        "Rospotrebnadzor, through Gosuslugi",
    ),
    (
        "where_rpn_text",
        "Для покупок, доставки и услуг. Обращение регистрируют в течение 3 дней и отвечают в течение 30 дней с регистрации (59-ФЗ, ст. 12; срок могут продлить ещё на 30 дней, сообщив вам). Попросят: переписку с компанией, номер претензии и дату её подачи, договор или заказ, чеки.",
        "For purchases, delivery and services. The appeal is registered within 3 days and answered within 30 days of registration (59-FZ art. 12; extendable by 30 days with a notice to you). They ask for: the dialogue with the company, the claim's number and filing date, the contract or order, the receipts.",
    ),
    (
        "where_cbr_title",
        "Банк России — интернет-приёмная",
        "The Bank of Russia: internet reception",
    ),
    (
        "where_cbr_text",
        "Для банков, страховщиков и других финансовых организаций. Банк России отвечает в течение 30 дней (до 60 при продлении) и может переслать жалобу в организацию: та отвечает в течение 15 рабочих дней. Попросят: название организации, суть жалобы, номер вашей претензии и её ответ, если он был.",
        "For banks, insurers and other financial organisations. The Bank of Russia answers within 30 days (60 when extended) and may forward the complaint to the organisation, which answers within 15 working days. They ask for: the organisation's name, what happened, your claim's number and its answer if any.",
    ),
    (
        "where_ombudsman_title",
        "Финансовый уполномоченный",
        "The financial ombudsman",
    ),
    (
        "where_ombudsman_text",
        "Для споров с финансовыми организациями до 500 000 ₽, бесплатно. Сначала — претензия в организацию: она отвечает в течение 30 дней (15 рабочих дней, если вы подали её по стандартной форме омбудсмена). Обратиться можно после её ответа или когда срок прошёл без ответа, не позднее 3 лет с того дня, когда вы узнали о нарушении. Попросят: претензию в организацию с датой, её ответ или подтверждение, что ответа нет, договор.",
        "For disputes with financial organisations up to 500,000 RUB, free of charge. First, a claim to the organisation: it answers within 30 days (15 working days if you used the ombudsman's standard form). You may turn to the ombudsman after its answer, or once that period has passed without one, within 3 years of learning of the violation. They ask for: the claim to the organisation with its date, its answer or proof there was none, the contract.",
    ),
    (
        "where_next_note",
        "Сроки — по закону, справочно; не юридическая консультация.",
        "The periods are the law's, for reference; not legal advice.",
    ),
    ("claim_type_refund", "Верните деньги", "Refund"),
    (
        "claim_type_price_reduction",
        "Снизьте цену",
        "Price reduction",
    ),
    ("claim_type_replacement", "Замените товар", "Replacement"),
    ("claim_type_repair", "Устраните недостаток", "Repair"),
    (
        "claim_type_service_defect",
        "Услуга оказана плохо",
        "Poor service",
    ),
    ("claim_type_damages", "Возместите убытки", "Damages"),
    (
        "claim_type_bank_complaint",
        "Жалоба на банк",
        "Complaint about the bank",
    ),
    (
        "claim_type_personal_data",
        "Мои персональные данные",
        "My personal data",
    ),
    (
        "claim_type_disputed_transfer",
        "Оспорить перевод",
        "Dispute a transfer",
    ),
    (
        "claim_type_regulator_request",
        "Запрос регулятора",
        "Regulator's request",
    ),
    (
        "rating_title",
        "Оцените, пожалуйста, помощь",
        "Please rate the help you got",
    ),
    ("rating_score", "Оценка {score} из 5", "{score} out of 5"),
    (
        "rating_comment",
        "Комментарий (необязательно)",
        "Comment (optional)",
    ),
    ("rating_send", "Отправить оценку", "Send the rating"),
    (
        "rating_thanks",
        "Спасибо за оценку!",
        "Thank you for the rating!",
    ),
    (
        "rating_given",
        "Ваша оценка: {score} из 5",
        "Your rating: {score} out of 5",
    ),
    (
        "customer_rating",
        "Оценка клиента: {score} из 5",
        "The customer's rating: {score} out of 5",
    ),
    ("takeover_subject", "Взлом аккаунта", "Account takeover"),
    (
        "takeover_title",
        "Что сделать прямо сейчас",
        "What to do right now",
    ),
    (
        "takeover_step_password",
        "Смените пароль в приложении и на почте, к которой привязан аккаунт.",
        "Change your password in the app and on the e-mail the account uses.",
    ),
    (
        "takeover_step_cards",
        "Заблокируйте карты в приложении банка или по телефону на обороте карты.",
        "Block your cards in the bank's app or by the phone number on the back of the card.",
    ),
    (
        "takeover_step_codes",
        "Никому не сообщайте коды из SMS, CVV и пароли — даже нам: поддержка их никогда не спрашивает.",
        "Never tell anyone SMS codes, CVV or passwords, not even us: support never asks for them.",
    ),
    (
        "takeover_next",
        "Служба безопасности уже получила обращение и ответит здесь в первую очередь.",
        "The security team has your report and will answer here first.",
    ),
    (
        "not_about_order",
        "Вопрос не по заказу",
        "Question not about an order",
    ),
    ("new_conversation", "Новое обращение", "New conversation"),
    ("earlier", "Ваши обращения", "Your conversations"),
    ("no_earlier", "Обращений пока нет.", "No conversations yet."),
    ("pick_service", "Выберите сервис", "Choose a service"),
    ("pick_subject", "О чём вопрос?", "What is it about?"),
    ("orders", "Заказы и брони", "Orders and bookings"),
    ("topics", "Темы", "Topics"),
    ("order_no", "№ {id}", "No. {id}"),
    (
        "first_message_hint",
        "Опишите вопрос — оператор ответит здесь.",
        "Describe your question; an operator will answer here.",
    ),
    (
        "no_token_title",
        "Чат доступен после входа",
        "The chat is available after you log in",
    ),
    (
        "no_token_text",
        "Войдите в приложение или на сайт, чтобы написать в поддержку. Ответы на частые вопросы — в центре помощи.",
        "Log in to the app or the site to write to support. Answers to common questions are in the help center.",
    ),
    ("help_center", "Центр помощи", "Help center"),
    (
        "chat_linked",
        "Чат в мессенджере привязан к вашему аккаунту.",
        "The messenger chat is linked to your account.",
    ),
    (
        "chat_link_failed",
        "Ссылка для привязки устарела или уже использована: попросите новую в чате.",
        "The link has expired or was used: ask the chat for a new one.",
    ),
    (
        "other_channels",
        "Не получается войти? Напишите нам в социальных сетях:",
        "Cannot log in? Write to us on social networks:",
    ),
    (
        "step_up_title",
        "Нужно подтвердить вход в Банк",
        "Confirm your login to the Bank",
    ),
    (
        "step_up_text",
        "Чат Банка открывается только после входа с кодом или PIN-кодом за последние 15 минут. Откройте раздел «Банк» в приложении, введите код и вернитесь в чат.",
        "The Bank chat opens only after a login with a one-time code or PIN within the last 15 minutes. Open the Bank section in the app, enter the code, and come back to the chat.",
    ),
    ("state_sending", "Отправляется", "Sending"),
    ("state_sent", "Отправлено", "Sent"),
    ("state_read", "Прочитано", "Read"),
    (
        "state_failed",
        "Не отправлено, повторим при подключении",
        "Not sent; will retry when back online",
    ),
    ("typing", "{name} печатает…", "{name} is typing…"),
    ("you", "Вы", "You"),
    (
        "offline",
        "Нет связи. Сообщения отправятся, когда связь вернётся.",
        "Offline. Messages will be sent when the connection is back.",
    ),
    ("reconnecting", "Восстанавливаем связь…", "Reconnecting…"),
    (
        "queue_position",
        "Вы {position}-й в очереди, ожидание около {minutes} мин.",
        "You are number {position} in the queue, about {minutes} min to wait.",
    ),
    (
        "queued",
        "Ждём свободного оператора.",
        "Waiting for a free operator.",
    ),
    ("assigned", "С вами {name}.", "{name} is with you."),
    (
        "resolved",
        "Обращение решено. Напишите, если вопрос остался.",
        "Resolved. Write if you still have a question.",
    ),
    (
        "operator_called",
        "Оператор уже вызван.",
        "An operator has been called.",
    ),
    (
        "file_too_large",
        "Файл «{name}» больше {max} МБ — выберите файл поменьше.",
        "The file “{name}” is larger than {max} MB; choose a smaller one.",
    ),
    (
        "file_bad_type",
        "Файл «{name}» не подходит: можно PDF, JPEG, PNG, HEIC или текст.",
        "The file “{name}” is not accepted: PDF, JPEG, PNG, HEIC or text only.",
    ),
    (
        "file_failed",
        "Не удалось загрузить «{name}». Попробуйте ещё раз.",
        "Could not upload “{name}”. Try again.",
    ),
    ("uploading", "Загрузка «{name}»", "Uploading “{name}”"),
    ("remove_file", "Убрать файл", "Remove the file"),
    ("download", "Скачать", "Download"),
    (
        "redacted",
        "Часть сообщения скрыта: мы не храним номера карт и коды.",
        "Part of the message is hidden: we never keep card numbers or codes.",
    ),
    ("suggested", "Возможно, это поможет", "This may help"),
    ("helped", "Помогло", "That helped"),
    ("not_helped", "Не помогло", "Did not help"),
    (
        "error_conflict",
        "Кто-то уже изменил это обращение. Обновите страницу.",
        "Someone has already changed this conversation. Reload the page.",
    ),
    (
        "error_unknown_order",
        "Этого заказа нет среди ваших. Выберите заказ из списка или напишите без заказа.",
        "This order is not among yours. Pick one from the list or write without an order.",
    ),
    (
        "error_csrf_token_invalid",
        "Сессия сменилась в другой вкладке. Обновите страницу.",
        "The session changed in another tab. Reload the page.",
    ),
    (
        "error_secret_request_blocked",
        "Текст просит у клиента секрет: код, PIN, CVV, номер карты или пароль. Поддержка их никогда не спрашивает — перепишите текст. Попытка записана в журнал.",
        "The text asks the customer for a secret: a code, PIN, CVV, card number or password. Support never asks for them; reword it. The attempt was logged.",
    ),
    (
        "error_suspicious_link",
        "В тексте ссылка не на сайт компании. Уберите её или дайте ссылку на разрешённый домен.",
        "The text links outside the company's sites. Remove the link or use an allowed domain.",
    ),
    (
        "error_invalid_invite",
        "Ссылка-приглашение не действует: её уже использовали или срок истёк. Попросите администратора прислать новую.",
        "This invitation link no longer works: it was used or has expired. Ask an administrator for a new one.",
    ),
    (
        "error_password_rejected",
        "Пароль слишком короткий: нужно не меньше 8 символов.",
        "The password is too short: it needs at least 8 characters.",
    ),
    (
        "error_operator_email_taken",
        "Оператор с таким email уже есть.",
        "An operator with this email already exists.",
    ),
    (
        "error_callback_not_eligible",
        "Звонок по этому бронированию заказать нельзя.",
        "A call cannot be requested for this booking.",
    ),
    (
        "error_generic",
        "Что-то пошло не так. Попробуйте ещё раз.",
        "Something went wrong. Try again.",
    ),
    (
        "session_expired",
        "Сессия истекла, обновляем…",
        "The session expired; renewing…",
    ),
    ("status_bot", "Бот", "Bot"),
    ("status_queued", "В очереди", "Queued"),
    ("status_assigned", "В работе", "In progress"),
    ("status_resolved", "Решено", "Resolved"),
    (
        "subject_general",
        "Вопрос не по заказу",
        "Not about an order",
    ),
    ("subject_order", "Заказ {id}", "Order {id}"),
    // Console
    ("console_title", "Консоль оператора", "Operator console"),
    ("login_title", "Вход для операторов", "Operator login"),
    ("email", "Email", "Email"),
    ("password", "Пароль", "Password"),
    ("login", "Войти", "Log in"),
    ("logout", "Выйти", "Log out"),
    (
        "login_failed",
        "Неверный email или пароль.",
        "Wrong email or password.",
    ),
    ("queues", "Очереди", "Queues"),
    ("all_departments", "Все отделы", "All departments"),
    ("reports", "Отчёты", "Reports"),
    ("claims", "Претензии", "Claims"),
    ("callbacks", "Звонки", "Call-backs"),
    ("callbacks_waiting", "Ждут звонка", "Waiting for a call"),
    ("callbacks_done", "Завершённые", "Done"),
    (
        "callbacks_none",
        "Заказанных звонков нет.",
        "No call-backs ordered.",
    ),
    ("callback_due", "Позвонить до", "Call by"),
    ("callback_booking", "Бронирование", "Booking"),
    ("callback_passenger", "Пассажир", "Passenger"),
    ("callback_phone_col", "Телефон", "Phone"),
    ("callback_outcome", "Итог звонка", "Outcome"),
    ("callback_note", "Заметка о звонке", "Note of the call"),
    ("callback_overdue", "просрочен", "overdue"),
    ("callback_attempts", "Звонков: {count}", "Calls: {count}"),
    ("callback_outcome_reached", "Дозвонились", "Reached"),
    ("callback_outcome_no_answer", "Не ответил", "No answer"),
    (
        "callback_outcome_callback_again",
        "Перезвонить позже",
        "Call again later",
    ),
    ("claims_open", "Ждут ответа", "Awaiting an answer"),
    ("claims_all", "Все", "All"),
    ("claims_none", "Претензий нет.", "No claims."),
    ("claim_number", "Номер", "Number"),
    ("claim_status", "Статус", "Status"),
    ("claim_received", "Получена", "Received"),
    ("claim_due_date", "Ответить до", "Answer by"),
    ("claim_penalty", "Неустойка", "Penalty"),
    ("claim_dossier", "Для регулятора", "For a regulator"),
    ("claim_overdue", "{date} — просрочена", "{date}: overdue"),
    ("claim_due_soon", "{date} — скоро срок", "{date}: due soon"),
    ("claim_status_filed", "Принята", "Filed"),
    ("claim_status_extended", "Срок продлён", "Extended"),
    ("claim_status_answered", "Дан ответ", "Answered"),
    ("report_from", "С", "From"),
    ("report_to", "По", "To"),
    ("department", "Отдел", "Department"),
    ("report_show", "Показать", "Show"),
    ("report_csv", "Скачать CSV", "Download CSV"),
    ("loading", "Загрузка…", "Loading…"),
    ("minutes_short", "{n} мин", "{n} min"),
    (
        "csat_line",
        "{average} из 5, довольны {share}% ({count})",
        "{average} of 5, {share}% satisfied ({count})",
    ),
    ("report_opened", "Обращений", "Conversations"),
    ("report_resolved", "Решено", "Resolved"),
    ("report_bot_only", "Решил бот", "Resolved by the bot"),
    (
        "report_first_response",
        "Первый ответ, медиана / 90%",
        "First response, median / 90%",
    ),
    (
        "report_queue_wait",
        "Ожидание в очереди, медиана / 90%",
        "Wait in queue, median / 90%",
    ),
    (
        "report_resolution",
        "Решение, медиана / 90%",
        "Resolution, median / 90%",
    ),
    ("report_sla_breached", "Нарушений SLA", "SLA breaches"),
    ("report_csat", "Оценка клиентов", "Customer rating"),
    (
        "report_by_hour",
        "Обращения по часам (мск)",
        "Conversations by hour (Moscow time)",
    ),
    (
        "report_by_weekday",
        "Обращения по дням недели",
        "Conversations by day of the week",
    ),
    ("weekday_mon", "Пн", "Mon"),
    ("weekday_tue", "Вт", "Tue"),
    ("weekday_wed", "Ср", "Wed"),
    ("weekday_thu", "Чт", "Thu"),
    ("weekday_fri", "Пт", "Fri"),
    ("weekday_sat", "Сб", "Sat"),
    ("weekday_sun", "Вс", "Sun"),
    ("tab_waiting", "Ожидают", "Waiting"),
    ("tab_mine", "Мои", "Mine"),
    ("tab_open", "Все открытые", "All open"),
    ("empty_queue", "Здесь пусто.", "Nothing here."),
    (
        "unread_count",
        "непрочитанных сообщений: {count}",
        "unread messages: {count}",
    ),
    ("preview_by", "{name}: ", "{name}: "),
    ("preview_note", "Заметка {name}: ", "Note by {name}: "),
    ("preview_attachment", "Вложение", "Attachment"),
    ("canned_settings", "Готовые ответы", "Canned replies"),
    ("settings", "Настройки", "Settings"),
    ("team", "Команда", "Team"),
    ("sla_settings", "Часы и SLA", "Hours and SLA"),
    ("articles", "Статьи", "Articles"),
    (
        "topics_intro",
        "Темы — кнопки, которые клиент выбирает, начиная обращение. Адрес темы — латиницей, через дефис.",
        "Topics are the buttons a customer picks when they start. A topic's id is Latin letters and hyphens.",
    ),
    (
        "topics_from_file",
        "Как в hotline.toml.",
        "As in hotline.toml.",
    ),
    (
        "topics_saved",
        "Темы отдела «{department}» сохранены.",
        "The topics of «{department}» are saved.",
    ),
    (
        "topics_save_in",
        "Сохранить темы: {department}",
        "Save the topics of {department}",
    ),
    (
        "topics_reset_in",
        "Вернуть темы как в hotline.toml: {department}",
        "Topics of {department} back to hotline.toml",
    ),
    ("topic_add", "Добавить тему", "Add a topic"),
    (
        "topic_add_in",
        "Добавить тему: {department}",
        "Add a topic to {department}",
    ),
    (
        "topic_id_in",
        "Адрес темы, {department}",
        "Topic id, {department}",
    ),
    (
        "topic_name_in",
        "Название темы, {department}",
        "Topic name, {department}",
    ),
    (
        "topic_remove_named",
        "Убрать тему «{name}»",
        "Remove the topic «{name}»",
    ),
    (
        "articles_none",
        "В справочном центре пока нет статей.",
        "The help center has no articles yet.",
    ),
    ("article_add", "Новая статья", "New article"),
    (
        "article_id",
        "Адрес статьи (латиницей, через дефис)",
        "Article address (Latin letters and hyphens)",
    ),
    ("article_section", "Раздел", "Section"),
    (
        "article_tags",
        "Метки через запятую",
        "Tags, comma-separated",
    ),
    ("article_body", "Текст (Markdown)", "Text (Markdown)"),
    ("article_updated", "Изменена", "Updated"),
    (
        "article_saved",
        "Статья «{title}» сохранена: поиск и бот уже её знают.",
        "«{title}» is saved: search and the bot know it already.",
    ),
    (
        "article_deleted",
        "Статья «{title}» удалена.",
        "«{title}» is deleted.",
    ),
    (
        "sla_from_file",
        "Сейчас действуют значения из hotline.toml.",
        "The values from hotline.toml are in effect.",
    ),
    (
        "sla_from_console",
        "Изменено в консоли {date}; это важнее hotline.toml.",
        "Changed in the console on {date}; this wins over hotline.toml.",
    ),
    ("sla_targets", "Сроки", "Targets"),
    (
        "sla_first_response",
        "Первый ответ, мин",
        "First answer, min",
    ),
    ("sla_resolution", "Решение, мин", "Resolution, min"),
    (
        "sla_urgent_first_response",
        "Срочные: первый ответ, мин",
        "Urgent: first answer, min",
    ),
    (
        "sla_urgent_resolution",
        "Срочные: решение, мин",
        "Urgent: resolution, min",
    ),
    ("sla_hours", "Рабочее время", "Business hours"),
    (
        "sla_scheduled",
        "Считать сроки только в рабочее время",
        "Count targets in business hours only",
    ),
    ("sla_opens", "Начало", "Opens"),
    ("sla_closes", "Конец", "Closes"),
    (
        "sla_offset",
        "Часовой пояс, часов от UTC",
        "Time zone, hours from UTC",
    ),
    ("sla_weekdays", "Рабочие дни", "Working days"),
    (
        "sla_federal",
        "По производственному календарю РФ (праздники и переносы)",
        "Follow the Russian production calendar (holidays and transfers)",
    ),
    (
        "sla_holidays",
        "Дополнительные выходные (ГГГГ-ММ-ДД, по одному в строке)",
        "Extra days off (YYYY-MM-DD, one per line)",
    ),
    (
        "sla_saved",
        "Сохранено: сроки считаются по-новому для новых обращений.",
        "Saved: new conversations count by the new targets.",
    ),
    (
        "sla_reset",
        "Вернуть как в hotline.toml",
        "Back to hotline.toml",
    ),
    (
        "sla_reset_done",
        "Снова действуют значения из hotline.toml.",
        "The values from hotline.toml are in effect again.",
    ),
    ("weekday_1", "Пн", "Mon"),
    ("weekday_2", "Вт", "Tue"),
    ("weekday_3", "Ср", "Wed"),
    ("weekday_4", "Чт", "Thu"),
    ("weekday_5", "Пт", "Fri"),
    ("weekday_6", "Сб", "Sat"),
    ("weekday_7", "Вс", "Sun"),
    (
        "error_invalid_setting",
        "Эти значения нельзя сохранить: проверьте сроки, время и даты.",
        "These values cannot be saved: check the targets, times and dates.",
    ),
    ("team_name", "Имя", "Name"),
    ("team_operator", "Оператор", "Operator"),
    ("team_role", "Роль", "Role"),
    ("team_role_of", "Роль: {name}", "Role of {name}"),
    ("team_departments", "Отделы", "Departments"),
    (
        "team_departments_of",
        "Отделы: {name}",
        "Departments of {name}",
    ),
    ("team_status", "Статус", "Status"),
    ("team_status_active", "Работает", "Active"),
    ("team_status_invited", "Приглашён", "Invited"),
    ("team_status_inactive", "Отключён", "Deactivated"),
    ("team_save_named", "Сохранить: {name}", "Save {name}"),
    ("team_saved", "Сохранено: {name}", "Saved: {name}"),
    ("team_deactivate", "Отключить", "Deactivate"),
    (
        "team_deactivate_named",
        "Отключить: {name}",
        "Deactivate {name}",
    ),
    (
        "team_deactivated",
        "{name} отключён: войти больше нельзя",
        "{name} is deactivated and cannot log in",
    ),
    ("team_activate", "Включить", "Reactivate"),
    (
        "team_activate_named",
        "Включить: {name}",
        "Reactivate {name}",
    ),
    (
        "team_activated",
        "{name} снова может работать",
        "{name} may work again",
    ),
    ("team_new_link", "Новая ссылка", "New link"),
    (
        "team_new_link_named",
        "Новая ссылка для входа: {name}",
        "New sign-in link for {name}",
    ),
    ("team_invite", "Пригласить оператора", "Invite an operator"),
    ("team_invite_send", "Пригласить", "Invite"),
    ("team_invited", "{name} приглашён", "{name} is invited"),
    (
        "team_invite_ready",
        "Передайте {name} эту ссылку: по ней задают пароль, она действует 72 часа и один раз.",
        "Pass this link on to {name}: it sets their password, once, within 72 hours.",
    ),
    ("team_invite_link", "Ссылка-приглашение", "Invitation link"),
    ("team_copy", "Скопировать", "Copy"),
    ("role_operator", "Оператор", "Operator"),
    ("role_supervisor", "Руководитель", "Supervisor"),
    ("role_admin", "Администратор", "Administrator"),
    ("invite_title", "Задайте пароль", "Set your password"),
    (
        "invite_intro",
        "Вас пригласили в консоль операторов. Придумайте пароль не короче 8 символов.",
        "You are invited to the operator console. Choose a password of at least 8 characters.",
    ),
    ("invite_password", "Новый пароль", "New password"),
    ("invite_save", "Сохранить пароль", "Save the password"),
    (
        "invite_done",
        "Пароль задан. Войдите с ним.",
        "Your password is set. Log in with it.",
    ),
    ("canned_add", "Новый ответ", "New reply"),
    ("canned_department", "Отдел", "Department"),
    ("canned_title", "Название", "Title"),
    ("canned_text", "Текст", "Text"),
    ("canned_source", "Откуда", "Source"),
    ("canned_actions", "Действия", "Actions"),
    (
        "canned_source_file",
        "из файла настроек",
        "configuration file",
    ),
    (
        "canned_source_console",
        "изменён в консоли",
        "changed in the console",
    ),
    ("canned_edit", "Изменить", "Edit"),
    ("canned_edit_named", "Изменить «{title}»", "Edit «{title}»"),
    ("canned_delete", "Удалить", "Delete"),
    (
        "canned_delete_named",
        "Удалить «{title}»",
        "Delete «{title}»",
    ),
    ("canned_save", "Сохранить", "Save"),
    ("canned_saved", "Сохранено: «{title}».", "Saved: «{title}»."),
    (
        "canned_deleted",
        "Удалено: «{title}».",
        "Deleted: «{title}».",
    ),
    (
        "canned_none",
        "Готовых ответов пока нет.",
        "No canned replies yet.",
    ),
    (
        "canned_placeholders",
        "Подставляются: {{customer.name}}, {{order.id}}, {{operator.name}}.",
        "Filled in: {{customer.name}}, {{order.id}}, {{operator.name}}.",
    ),
    (
        "search_label",
        "Поиск обращений: имя, заказ, слова из переписки",
        "Search conversations: name, order, words of the messages",
    ),
    (
        "search_placeholder",
        "Имя, заказ или слова",
        "Name, order or words",
    ),
    (
        "search_nothing",
        "Ничего не нашлось. Попробуйте начало слова или номер заказа.",
        "Nothing found. Try the start of a word or an order number.",
    ),
    (
        "pick_conversation",
        "Выберите обращение слева.",
        "Pick a conversation on the left.",
    ),
    ("reply", "Ответ", "Reply"),
    ("canned", "Готовые ответы", "Canned replies"),
    ("transfer", "Передать в отдел", "Transfer to a department"),
    ("transfer_pick", "Передать в…", "Transfer to…"),
    ("presence", "Статус", "Status"),
    ("stats_title", "Сводка по отделам", "Departments now"),
    (
        "stats_line",
        "в очереди {queue}, дольше всех ждёт {wait} мин, на линии {online}, просрочено за день {breaches}",
        "{queue} queued, longest wait {wait} min, {online} online, {breaches} SLA breaches today",
    ),
    ("assign_to", "Назначить оператору", "Assign to an operator"),
    ("assign_pick", "Назначить…", "Assign to…"),
    ("presence_online", "На линии", "Online"),
    ("presence_away", "Отошёл", "Away"),
    ("presence_offline", "Не на линии", "Offline"),
    (
        "canned_pick",
        "Вставить готовый ответ…",
        "Insert a canned reply…",
    ),
    ("internal_note", "Внутренняя заметка", "Internal note"),
    (
        "note_badge",
        "Заметка — клиент её не видит",
        "Note; the customer does not see it",
    ),
    ("take", "Взять в работу", "Take"),
    ("resolve", "Решено", "Resolved"),
    ("reopen", "Открыть снова", "Reopen"),
    ("customer", "Клиент", "Customer"),
    ("channel", "Канал", "Channel"),
    ("channel_telegram", "Telegram", "Telegram"),
    ("channel_vk", "ВКонтакте", "VK"),
    ("channel_unverified", "не подтверждён", "not verified"),
    ("channel_verified", "аккаунт привязан", "account linked"),
    ("customer_orders", "Заказы и брони", "Orders and bookings"),
    (
        "order_unknown",
        "Такого заказа нет среди заказов клиента: уточните номер",
        "Not among the customer's orders: check the number",
    ),
    (
        "order_no_details",
        "Нет сведений о заказе: виджет не передал данные клиента",
        "No details: the widget did not hand in the customer's data",
    ),
    (
        "customer_earlier",
        "Прежние обращения",
        "Earlier conversations",
    ),
    ("customer_facts", "Из токена входа", "From the login token"),
    ("phone_verified", "Телефон", "Phone"),
    ("strong_auth", "Вход с кодом", "Logged in with a code"),
    ("waiting_for", "ждёт {time}", "waiting {time}"),
    (
        "new_conversation_notice",
        "Новое обращение: {name}",
        "New conversation: {name}",
    ),
    (
        "shortcuts",
        "Клавиши: Alt+↓/↑ — следующее/предыдущее, Alt+T — взять, Alt+R — решено, Alt+N — заметка, Ctrl+Enter — отправить",
        "Keys: Alt+↓/↑ next/previous, Alt+T take, Alt+R resolve, Alt+N note, Ctrl+Enter send",
    ),
    ("conversation", "Обращение", "Conversation"),
    ("assignee", "Оператор: {name}", "Operator: {name}"),
    ("nobody", "не назначен", "unassigned"),
    // Demo
    (
        "demo_title",
        "Демо: сайт компании",
        "Demo: the company's site",
    ),
    (
        "demo_intro",
        "Эта страница играет роль сайта компании. Выберите покупателя — страница подпишет для него токен и встроит виджет поддержки.",
        "This page plays the company's site. Pick a customer: the page signs a token for them and embeds the support widget.",
    ),
    ("demo_pick", "Войти как", "Log in as"),
    ("demo_guest", "Гость без входа", "Guest, not logged in"),
    (
        "demo_console",
        "Консоль оператора откройте в другой вкладке",
        "Open the operator console in another tab",
    ),
    ("demo_current", "Сейчас: {name}", "Now: {name}"),
];

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn accept(value: &'static str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(ACCEPT_LANGUAGE, HeaderValue::from_static(value));
        headers
    }

    #[test]
    fn query_then_browser_then_russian() {
        assert_eq!(Lang::negotiate(Some("en"), &accept("ru")), Lang::En);
        assert_eq!(Lang::negotiate(None, &accept("en-GB,en;q=0.9")), Lang::En);
        assert_eq!(
            Lang::negotiate(None, &accept("de,en;q=0.5,ru;q=0.8")),
            Lang::Ru
        );
        assert_eq!(Lang::negotiate(None, &accept("fr")), Lang::Ru);
        assert_eq!(Lang::negotiate(Some("xx"), &HeaderMap::new()), Lang::Ru);
    }

    #[test]
    fn every_key_is_unique_and_translated() {
        let mut keys: Vec<_> = TEXTS.iter().map(|(k, _, _)| *k).collect();
        keys.sort_unstable();
        let before = keys.len();
        keys.dedup();
        assert_eq!(before, keys.len());
        assert!(
            TEXTS
                .iter()
                .all(|(_, ru, en)| !ru.is_empty() && !en.is_empty())
        );
        assert_eq!(Lang::En.dictionary().len(), TEXTS.len());
    }

    /// Every text a page template asks for (`lang.text("key")`) exists: a
    /// missing one would render as nothing.
    #[test]
    fn every_key_the_templates_use_exists() {
        let known: std::collections::HashSet<&str> = TEXTS.iter().map(|(k, _, _)| *k).collect();
        for (name, source) in [
            (
                "console.html",
                include_str!("../../templates/web/console.html"),
            ),
            (
                "widget.html",
                include_str!("../../templates/web/widget.html"),
            ),
            ("demo.html", include_str!("../../templates/web/demo.html")),
        ] {
            let keys: Vec<&str> = source
                .split("lang.text(\"")
                .skip(1)
                .map(|rest| &rest[..rest.find('"').unwrap_or_default()])
                .collect();
            assert!(!keys.is_empty(), "{name}");
            for key in keys {
                assert!(known.contains(key), "{name}: `{key}` has no text");
            }
        }
    }

    /// Every text the scripts ask for by name (`t('key')`, `dictionary.key`)
    /// exists; keys built at run time (`t('status_' + …)`) are prefixes.
    #[test]
    fn every_key_the_scripts_use_exists() {
        let known: std::collections::HashSet<&str> = TEXTS.iter().map(|(k, _, _)| *k).collect();
        let key_chars = |c: char| c.is_ascii_alphanumeric() || c == '_';
        for name in [
            "common.js",
            "widget-app.js",
            "console.js",
            "reports.js",
            "claims.js",
            "canned.js",
            "live.js",
            "demo.js",
        ] {
            let source = crate::web::asset_source(name).unwrap_or_default();
            for marker in ["t('", "dictionary."] {
                for (at, _) in source.match_indices(marker) {
                    let before = source[..at].chars().next_back().unwrap_or(' ');
                    if key_chars(before) || before == '.' {
                        continue; // another name ending in `t(`, e.g. `askParent(`
                    }
                    let rest = &source[at + marker.len()..];
                    let key: String = rest.chars().take_while(|c| key_chars(*c)).collect();
                    let dynamic = key.ends_with('_') || key.is_empty();
                    assert!(
                        dynamic || known.contains(key.as_str()),
                        "{name}: `{key}` has no text"
                    );
                    if dynamic {
                        assert!(
                            known.iter().any(|k| k.starts_with(&key)),
                            "{name}: no text starts with `{key}`"
                        );
                    }
                }
            }
        }
    }
}

"""Texts of the care for supporters (issue #14), in English and Arabic: the member's consent
questions and answers (in the member's language), and the team's handovers, observers,
flags, breaks, debriefs, limits and load (in the team's). Merged into bot.catalogue's TEXTS,
so organizers can override them the same way."""

from __future__ import annotations

from typing import Final

SUPPORTER_TEXTS: Final[dict[str, dict[str, str]]] = {
    "en": {
        # -- to the member ---------------------------------------------------------------
        "consent_handover_named": (
            "{supporter} has to hand over soon. May {newcomer}, another trained peer "
            "supporter, take over your conversation?\n"
            "Answer **yes** or **no** here (or react 👍 / 👎 to this message). If you say no, "
            "or don't answer within {minutes}, nothing changes."
        ),
        "consent_handover_any": (
            "{supporter} has to hand over soon. May another trained peer supporter from the "
            "team take over your conversation?\n"
            "Answer **yes** or **no** here (or react 👍 / 👎 to this message). If you say no, "
            "or don't answer within {minutes}, nothing changes."
        ),
        "consent_observe": (
            "{newcomer}, a peer supporter in training, would like to join your conversation "
            "with {supporter} to learn. They would only read, never write, and I would stay in "
            "the room so I can take them out the moment you send `!alone`.\n"
            "May they join? Answer **yes** or **no** here (or react 👍 / 👎 to this message). "
            "If you say no, or don't answer within {minutes}, nobody joins."
        ),
        "consent_no": "Understood: nobody new joins your conversation.",
        "consent_expired": (
            "I didn't hear back, so nobody new joins your conversation. That's completely fine."
        ),
        "consent_none": "There is no question waiting for your answer.",
        "consent_elsewhere": (
            "I asked you in our direct chat: please answer there, with yes or no."
        ),
        "handover_yes": (
            "Thank you. {newcomer} is joining your room now; {supporter} will say goodbye and "
            "leave when ready."
        ),
        "handover_yes_moved": (
            "Thank you. I've invited you to a new private, encrypted room with {newcomer}: "
            "accept the invitation to continue there. {supporter} will say goodbye in your "
            "current room."
        ),
        "handover_yes_any": (
            "Thank you. I'm asking the team now; {supporter} stays with you until someone takes "
            "over, and I'll tell you who."
        ),
        "observe_yes": (
            "Thank you. {newcomer} will join your room to read along, and cannot write there. "
            "Send `!alone` at any time and I'll take them out."
        ),
        "observe_yes_moved": (
            "Thank you. I've invited you, {supporter} and {newcomer} to a new private, "
            "encrypted room: accept the invitation to continue there. {newcomer} can read "
            "but not write. Send `!alone` at any time and I'll take them out."
        ),
        "observer_intro": (
            "{observer}, a peer supporter in training, is here to observe: they can read but "
            "not write. Send `!alone` at any time and I'll take them out."
        ),
        "alone_done": "Done: nobody is observing your conversation any more.",
        "alone_nothing": "Nobody is observing your conversation.",
        "help_yes": "answer yes to my question about who may join your conversation",
        "help_no": "answer no to that question (silence counts as no too)",
        "help_alone": "take any observer out of your conversation, at once",
        "help_handover": (
            "ask the member whether `NAME` (or, without a name, another supporter) may take over"
        ),
        "help_observe": "ask the member whether a trainee may read along (they cannot write)",
        "help_flag": "ask the lead on call for support with a request (its id only)",
        "help_break": "tap out for a while (default 30m); no reason asked",
        "help_debrief": "ask the lead on call for a talk after a hard session",
        "help_debriefs": "turn the check-in after each session on or off",
        # -- to the team -------------------------------------------------------------------
        "consent_busy": (
            "The member is already answering another question from me; try again in a few minutes."
        ),
        "handover_asked": (
            "I've asked the member whether {newcomer} may take over **{id}**. I'll tell you "
            "their answer here."
        ),
        "handover_asked_any": (
            "I've asked the member whether another supporter may take over **{id}**. If they "
            "say yes, I'll page the team."
        ),
        "handover_not_yours": (
            "Only the supporter who has {id} (or an organizer) can hand it over."
        ),
        "handover_waiting": (
            "The member already agreed to a handover of {id}: it waits for someone to take "
            "it (`!accept {id}`)."
        ),
        "handover_same": "{name} already has {id}.",
        "handover_full": "{name} has no free capacity right now.",
        "trainee_cannot_take": "{name} is a trainee: trainees observe, they don't take requests.",
        "consent_no_team": (
            "**{id}**: the member said no, so nothing changes. {asker}, thank you for asking."
        ),
        "consent_expired_team": (
            "**{id}**: the member didn't answer in time, which counts as no, so nothing "
            "changes. {asker}, thank you for asking."
        ),
        "handover_page": (
            "🔁 **{id}** needs a supporter to take over from {supporter} (the member agreed). "
            "`!accept {id}` or ✅ on this message takes it."
        ),
        "handover_page_taken": "🔁 **{id}** · taken over by {newcomer}",
        "handover_done": (
            "**{id}**: the member said yes. {newcomer}, I've invited you to their room; "
            "{supporter}, say goodbye and leave the room when you're ready."
        ),
        "handover_done_moved": (
            "**{id}**: handed over. {newcomer}, I've invited you and the member to a new "
            "private room; {supporter}, say goodbye in your room and leave it when you're ready."
        ),
        "observe_asked": "I've asked the member whether {observer} may observe **{id}**.",
        "observe_not_yours": (
            "Only a trainee (for themselves), the supporter who has {id} or an organizer "
            "can ask for an observer."
        ),
        "observe_already": "{name} is already observing {id}.",
        "observe_trainees_only": "{name} is not a trainee: only trainees observe.",
        "observe_yes_team": (
            "**{id}**: the member said yes. {newcomer}, I've invited you to read along with "
            "{supporter} (you cannot write there); the member's `!alone` takes you out."
        ),
        "alone_team": "**{id}**: the member asked to be alone; {names} left the conversation.",
        "shift_end_reminder": (
            "⏰ {who}, your time on call ends at {time} and you still have open: {ids}. To hand "
            "over, send `!handover {first}` (the team is paged) or `!handover {first} NAME`; "
            "the member is asked first."
        ),
        "flag_team": "🚩 {who} asks for support with **{id}**.",
        "flag_note": "Note: {note}",
        "mentions_lead": "Lead on call: {names}.",
        "flag_sent": "I've asked for support in the team room.",
        "debrief_ask": (
            "{who} would like a debrief talk after a session. Please reach out to them when you "
            "can. (Nothing about the session is shared here.)"
        ),
        "debrief_sent": "I've asked {names} to reach out to you.",
        "debrief_nobody": (
            "There is no lead on call and no organizer I can ask right now. Please take care "
            "of yourself, and try again later."
        ),
        "debriefs_on": "I'll check in with you after each session.",
        "debriefs_off": (
            "Okay: no more check-ins after sessions. `!debriefs on` turns them back on."
        ),
        "checkin_after_done": (
            "How are you after that one? `!debrief` asks the lead for a talk. "
            "(`!debriefs off` stops these check-ins.)"
        ),
        "break_taken": "You're off call until {time}. Take care.",
        "break_sessions": (
            "Still open: {ids}. `!handover {first}` asks the member whether someone else may "
            "take over."
        ),
        "shift_lead": "Lead on call: {names}.",
        "shift_no_lead": "No lead on call: flags and debriefs go to the organizers.",
        "shift_resting_title": "On call but not paged now:",
        "rest_trainee": "- {name}: trainee (observes only)",
        "rest_shift_sessions": "- {name}: {sessions} this shift (limit {limit})",
        "rest_week_hours": "- {name}: {hours} h in the last 7 days (limit {limit} h)",
        "rest_cooldown": "- {name}: resting after a session until {time}",
        "status_load_title": "Team load this week:",
        "status_load_tier": "- tier {tier}: {sessions}, {hours} h",
        "status_load_care": "- {breaks} taken · {flags} raised",
        "sessions.one": "{n} session",
        "sessions.other": "{n} sessions",
        "breaks.one": "{n} break",
        "breaks.other": "{n} breaks",
        "flags.one": "{n} flag",
        "flags.other": "{n} flags",
    },
    "ar": {
        # -- إلى العضو --------------------------------------------------------------------
        "consent_handover_named": (
            "على {supporter} أن يسلّم المحادثة قريبًا. هل تسمح بأن يتولّى {newcomer}، وهو "
            "داعم مدرَّب آخر من الأقران، محادثتك؟\n"
            "أجب هنا بـ**نعم** أو **لا** (أو تفاعل بـ 👍 / 👎 على هذه الرسالة). إذا قلت لا، أو "
            "لم تُجب خلال {minutes}، فلن يتغيّر شيء."
        ),
        "consent_handover_any": (
            "على {supporter} أن يسلّم المحادثة قريبًا. هل تسمح بأن يتولّى محادثتك داعم مدرَّب "
            "آخر من الفريق؟\n"
            "أجب هنا بـ**نعم** أو **لا** (أو تفاعل بـ 👍 / 👎 على هذه الرسالة). إذا قلت لا، أو "
            "لم تُجب خلال {minutes}، فلن يتغيّر شيء."
        ),
        "consent_observe": (
            "يودّ {newcomer}، وهو داعم من الأقران قيد التدريب، الانضمام إلى محادثتك مع "
            "{supporter} ليتعلّم. سيقرأ فقط ولن يكتب أبدًا، وسأبقى في الغرفة لأُخرجه فور "
            "إرسالك `!alone`.\n"
            "هل تسمح بانضمامه؟ أجب هنا بـ**نعم** أو **لا** (أو تفاعل بـ 👍 / 👎 على هذه "
            "الرسالة). إذا قلت لا، أو لم تُجب خلال {minutes}، فلن ينضمّ أحد."
        ),
        "consent_no": "مفهوم: لن ينضمّ أحد جديد إلى محادثتك.",
        "consent_expired": "لم يصلني ردّ، لذلك لن ينضمّ أحد جديد إلى محادثتك. لا بأس بذلك أبدًا.",
        "consent_none": "لا يوجد سؤال ينتظر إجابتك.",
        "consent_elsewhere": "سألتك في محادثتنا الخاصة: يُرجى الإجابة هناك، بنعم أو لا.",
        "handover_yes": (
            "شكرًا لك. ينضمّ {newcomer} إلى غرفتك الآن؛ وسيودّعك {supporter} ويغادر حين يكون مستعدًا."
        ),
        "handover_yes_moved": (
            "شكرًا لك. دعوتُك إلى غرفة خاصة ومشفّرة جديدة مع {newcomer}: اقبل الدعوة لتكمل "
            "الحديث هناك. وسيودّعك {supporter} في غرفتك الحالية."
        ),
        "handover_yes_any": (
            "شكرًا لك. أسأل الفريق الآن؛ ويبقى {supporter} معك إلى أن يتولّى أحدهم المحادثة، "
            "وسأخبرك مَن هو."
        ),
        "observe_yes": (
            "شكرًا لك. سينضمّ {newcomer} إلى غرفتك ليقرأ فقط، ولا يمكنه الكتابة فيها. أرسل "
            "`!alone` في أي وقت وسأُخرجه."
        ),
        "observe_yes_moved": (
            "شكرًا لك. دعوتُك أنت و{supporter} و{newcomer} إلى غرفة خاصة ومشفّرة جديدة: اقبل "
            "الدعوة لتكمل الحديث هناك. يمكن لـ{newcomer} أن يقرأ ولا يمكنه أن يكتب. أرسل "
            "`!alone` في أي وقت وسأُخرجه."
        ),
        "observer_intro": (
            "{observer}، وهو داعم من الأقران قيد التدريب، موجود هنا للمراقبة: يمكنه القراءة "
            "ولا يمكنه الكتابة. أرسل `!alone` في أي وقت وسأُخرجه."
        ),
        "alone_done": "تم: لم يعد أحد يراقب محادثتك.",
        "alone_nothing": "لا أحد يراقب محادثتك.",
        "help_yes": "الإجابة بنعم على سؤالي عمّن يمكنه الانضمام إلى محادثتك",
        "help_no": "الإجابة بلا على ذلك السؤال (وعدم الرد يُعدّ لا أيضًا)",
        "help_alone": "إخراج أي مراقب من محادثتك فورًا",
        "help_handover": (
            "سؤال العضو إن كان `NAME` (أو داعم آخر إن لم يُذكر اسم) يمكنه تولّي المحادثة"
        ),
        "help_observe": "سؤال العضو إن كان متدرّب يمكنه القراءة معكما (دون أن يكتب)",
        "help_flag": "طلب الدعم من المسؤول المناوب بشأن طلب (برقمه فقط)",
        "help_break": "أخذ استراحة لبعض الوقت (30m افتراضيًا)؛ دون سؤال عن السبب",
        "help_debrief": "طلب حديث مع المسؤول المناوب بعد جلسة صعبة",
        "help_debriefs": "تشغيل أو إيقاف الاطمئنان عليك بعد كل جلسة",
        # -- إلى الفريق ---------------------------------------------------------------------
        "consent_busy": "العضو يجيب الآن عن سؤال آخر مني؛ حاول مجددًا بعد بضع دقائق.",
        "handover_asked": "سألتُ العضو إن كان يمكن لـ{newcomer} تولّي **{id}**. سأخبرك بإجابته هنا.",
        "handover_asked_any": (
            "سألتُ العضو إن كان يمكن لداعم آخر تولّي **{id}**. إذا وافق، سأنبّه الفريق."
        ),
        "handover_not_yours": "يمكن فقط للداعم الذي لديه {id} (أو لأحد المنظّمين) تسليمه.",
        "handover_waiting": (
            "وافق العضو بالفعل على تسليم {id}: وهو ينتظر من يتولّاه (`!accept {id}`)."
        ),
        "handover_same": "لدى {name} بالفعل {id}.",
        "handover_full": "ليست لدى {name} سعة متاحة الآن.",
        "trainee_cannot_take": "{name} متدرّب: المتدرّبون يراقبون ولا يتولّون الطلبات.",
        "consent_no_team": "**{id}**: قال العضو لا، لذلك لا يتغيّر شيء. {asker}، شكرًا لسؤالك.",
        "consent_expired_team": (
            "**{id}**: لم يُجب العضو في الوقت المحدد، وهذا يُعدّ لا، لذلك لا يتغيّر شيء. "
            "{asker}، شكرًا لسؤالك."
        ),
        "handover_page": (
            "🔁 **{id}** يحتاج إلى داعم يتولّاه بدلًا من {supporter} (وافق العضو). "
            "`!accept {id}` أو ✅ على هذه الرسالة يتولّاه."
        ),
        "handover_page_taken": "🔁 **{id}** · تولّاه {newcomer}",
        "handover_done": (
            "**{id}**: وافق العضو. {newcomer}، دعوتُك إلى غرفته؛ {supporter}، ودّعه وغادر "
            "الغرفة حين تكون مستعدًا."
        ),
        "handover_done_moved": (
            "**{id}**: تمّ التسليم. {newcomer}، دعوتُك أنت والعضو إلى غرفة خاصة جديدة؛ "
            "{supporter}، ودّعه في غرفتك وغادرها حين تكون مستعدًا."
        ),
        "observe_asked": "سألتُ العضو إن كان يمكن لـ{observer} مراقبة **{id}**.",
        "observe_not_yours": (
            "يمكن فقط لمتدرّب (لنفسه)، أو للداعم الذي لديه {id}، أو لأحد المنظّمين طلب مراقب."
        ),
        "observe_already": "{name} يراقب {id} بالفعل.",
        "observe_trainees_only": "{name} ليس متدرّبًا: المتدرّبون وحدهم يراقبون.",
        "observe_yes_team": (
            "**{id}**: وافق العضو. {newcomer}، دعوتُك لتقرأ مع {supporter} (لا يمكنك الكتابة "
            "هناك)؛ وأمر `!alone` من العضو يُخرجك."
        ),
        "alone_team": "**{id}**: طلب العضو أن يبقى وحده؛ غادر {names} المحادثة.",
        "shift_end_reminder": (
            "⏰ {who}، تنتهي مناوبتك الساعة {time} وما زال لديك مفتوحًا: {ids}. للتسليم أرسل "
            "`!handover {first}` (سيُنبَّه الفريق) أو `!handover {first} NAME`؛ ويُسأل العضو "
            "أولًا."
        ),
        "flag_team": "🚩 يطلب {who} الدعم بشأن **{id}**.",
        "flag_note": "ملاحظة: {note}",
        "mentions_lead": "المسؤول المناوب: {names}.",
        "flag_sent": "طلبتُ الدعم في غرفة الفريق.",
        "debrief_ask": (
            "يودّ {who} حديثًا بعد جلسة. يُرجى التواصل معه حين تستطيع. (لا يُشارَك هنا أي شيء "
            "عن الجلسة.)"
        ),
        "debrief_sent": "طلبتُ من {names} التواصل معك.",
        "debrief_nobody": (
            "لا يوجد مسؤول مناوب ولا منظّم يمكنني سؤاله الآن. اعتنِ بنفسك، وحاول مجددًا لاحقًا."
        ),
        "debriefs_on": "سأطمئن عليك بعد كل جلسة.",
        "debriefs_off": "حسنًا: لن أطمئن عليك بعد الجلسات. `!debriefs on` يعيد تشغيل ذلك.",
        "checkin_after_done": (
            "كيف حالك بعد تلك الجلسة؟ `!debrief` يطلب لك حديثًا مع المسؤول المناوب. "
            "(`!debriefs off` يوقف هذه الرسائل.)"
        ),
        "break_taken": "أنت خارج المناوبة حتى {time}. اعتنِ بنفسك.",
        "break_sessions": (
            "ما زال مفتوحًا: {ids}. `!handover {first}` يسأل العضو إن كان يمكن لشخص آخر "
            "تولّي المحادثة."
        ),
        "shift_lead": "المسؤول المناوب: {names}.",
        "shift_no_lead": "لا يوجد مسؤول مناوب: تذهب طلبات الدعم والحديث إلى المنظّمين.",
        "shift_resting_title": "في المناوبة لكن لا يُنبَّهون الآن:",
        "rest_trainee": "- {name}: متدرّب (يراقب فقط)",
        "rest_shift_sessions": "- {name}: {sessions} في هذه المناوبة (الحد {limit})",
        "rest_week_hours": "- {name}: {hours} س خلال آخر 7 أيام (الحد {limit} س)",
        "rest_cooldown": "- {name}: يستريح بعد جلسة حتى {time}",
        "status_load_title": "عبء الفريق هذا الأسبوع:",
        "status_load_tier": "- المستوى {tier}: {sessions}، {hours} س",
        "status_load_care": "- الاستراحات: {breaks} · طلبات الدعم: {flags}",
        "sessions.zero": "{n} جلسة",
        "sessions.one": "جلسة واحدة",
        "sessions.two": "جلستان",
        "sessions.few": "{n} جلسات",
        "sessions.many": "{n} جلسة",
        "sessions.other": "{n} جلسة",
        "breaks.zero": "{n}",
        "breaks.one": "1",
        "breaks.two": "2",
        "breaks.few": "{n}",
        "breaks.many": "{n}",
        "breaks.other": "{n}",
        "flags.zero": "{n}",
        "flags.one": "1",
        "flags.two": "2",
        "flags.few": "{n}",
        "flags.many": "{n}",
        "flags.other": "{n}",
    },
}

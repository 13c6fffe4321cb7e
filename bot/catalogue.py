"""Every text a member reads, in English and Arabic, in one place.

Templates use bot.text's markup; {placeholders} are filled with escaped values. A missing
Arabic text falls back to English (the catalogue test lists any such gap).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Final

from bot.relay_texts import RELAY_TEXTS
from bot.safety_texts import SAFETY_TEXTS
from bot.staff_texts import STAFF_TEXTS
from bot.supporter_texts import SUPPORTER_TEXTS
from bot.text import Message, Piece, join, placeholders, render

DEFAULT: Final = "en"
RTL: Final = frozenset({"ar"})
# The plural forms each language distinguishes (CLDR's cardinal categories). A counted text
# is one key per form, "requests.one", "requests.other"…; Catalogue.count picks the form.
PLURAL_FORMS: Final = {
    "en": ("one", "other"),
    "ar": ("zero", "one", "two", "few", "many", "other"),
}

_TEXTS: Final[dict[str, dict[str, str]]] = {
    "en": {
        "talk_ack": (
            "I'm contacting a peer supporter for you now, and I'll tell you here as soon as "
            "someone is on their way.\n"
            "While you wait: are you somewhere safe to talk?\n"
            "If you are in immediate danger, please contact:\n{resources}\n"
            "You can withdraw the request at any time with `!cancel`."
        ),
        "talk_nobody": (
            "I'm sorry: no peer supporter is on call right now{next_shift}. I've still told "
            "the team, and if someone becomes free they can pick up your request.\n"
            "If you are in immediate danger, please contact:\n{resources}\n"
            "You can keep the request open, or withdraw it with `!cancel`."
        ),
        "next_shift": " (the next shift starts at {time})",
        "talk_gave_up": (
            "I'm sorry: no peer supporter has been able to answer yet. That isn't about you; "
            "everyone on the team is busy or away right now.\n"
            "If you are in immediate danger, please contact:\n{resources}\n"
            "Your request stays open and a supporter can still pick it up. If you'd rather "
            "not wait, send `!cancel`."
        ),
        "talk_still_open": (
            "Your request is still open and the supporters know about it. I'll tell you here "
            "as soon as someone accepts it. (`!cancel` withdraws it.)"
        ),
        "talk_in_session": "A peer supporter is already with you in your private room.",
        "request_kept": (
            "If nobody has picked it up by {until} UTC, I'll close it, and nothing about you "
            "stays with it. You can ask again any time."
        ),
        "late_talk": (
            "Your message from {when} UTC has only reached me now, so I haven't passed it on. "
            "I'm sorry. If you still want to talk with a peer supporter, write `!talk` or "
            '"I need to talk" again.\n'
            "If you are in immediate danger, please contact:\n{resources}"
        ),
        "late_command": (
            "Your message from {when} UTC has only reached me now, so I haven't acted on it. "
            "If you still want it, please send it again."
        ),
        "answered_privately": "I've answered you privately.",
        "dm_failed": (
            "I couldn't open a private conversation with you just now. Please try again in a "
            "moment, or start an encrypted direct message with me."
        ),
        "accepted_member": (
            "{supporter} is here for you. I've invited you to a private, encrypted room: "
            "accept the invitation to start talking."
        ),
        "handoff_failed_member": (
            "A supporter accepted your request, but I couldn't set up your private room. I'm "
            "sorry: this is taking longer than it should. Your request is open again and the "
            "supporters know; I'll tell you here as soon as someone accepts it. (`!cancel` "
            "withdraws it.)"
        ),
        "handoff_intro": (
            "Welcome. This private, end-to-end encrypted room is for you and {supporter}, "
            "a trained peer supporter.{leaving}"
        ),
        "handoff_leaving": " I'm leaving now, so only the two of you can read what is said here.",
        "cancelled": "Your request is withdrawn. You can ask again any time.",
        "nothing_to_cancel": "You have no open request.",
        "cancel_in_session": (
            "A supporter has already accepted your request; you can simply leave the private "
            "room whenever you want."
        ),
        "unknown_command": (
            "I don't know the command `{command}`. Send `!help` to see what I can do."
        ),
        "not_allowed": "Sorry, `{command}` is only for {who}.",
        "who_supporter": "supporters",
        "who_organizer": "organizers",
        "who_supporter_organizer": "organizers and supporters",
        "unencrypted_room": (
            "This room is not encrypted, so I won't handle `{command}` here. "
            "Please start an encrypted direct message with me and send it there."
        ),
        "syntax": "That didn't work: usage is `{usage}`.",
        "bug": (
            "Sorry, something went wrong on my side (ref: {ref}). Please try again; if it keeps "
            "happening, an organizer can look up that reference in the log."
        ),
        "untrusted_device": (
            "I can't act on `{command}` from this session, because it is not verified: its owner "
            "has not cross-signed it, so I can't be sure it is really you. Verify this session "
            "from one of your other sessions (in Element: Settings → Sessions), or send the "
            "command from a verified session."
        ),
        "unknown_session": (
            "I couldn't tell which of your sessions sent that (it arrived unencrypted, or from a "
            "session I don't know yet), so I won't act on it. Please send `{command}` from a "
            "verified session."
        ),
        "master_key_changed": (
            "I can't act on `{command}` yet: your account's identity key changed since I first "
            "saw you. That can mean you reset your encryption, or that someone else controls the "
            "account. An organizer needs to confirm the change with you before I go on."
        ),
        "dm_hint": "Hi! I'm warmline, a bot. Send `!help` to see what I can do.",
        "help_intro": (
            "**warmline** connects you privately with a trained peer supporter.\n"
            "To reach a peer, write `I need to talk` or `!talk` in a direct message with me."
        ),
        "help_commands": "Commands you can use:",
        "help_help": "show this list",
        "help_talk": 'reach a peer supporter, privately (or just write "I need to talk")',
        "help_cancel": "withdraw your open request for a peer",
        "help_accept": "take a request; I open a private room for you and the member",
        "help_done": "end a session you accepted",
        "help_queue": "list open requests",
        "help_trust": "confirm a member's new identity after they reset their encryption",
        "help_resources": "crisis and support resources (optionally for one topic)",
        "help_lang": "choose my language: `en` or `ar`",
        "help_forget": "delete everything I keep about you",
        "resources_title": "Resources:",
        "resources_none_topic": "I have no resources for that topic. Send `!resources` for all.",
        "lang_set": "Okay, I'll write to you in English from now on.",
        "lang_unknown": "I speak `en` (English) and `ar` (Arabic). Example: `!lang ar`",
        "forgot": "Done. I deleted everything I kept about you: {what}.",
        "forgot_nothing": "I kept nothing about you, so there was nothing to delete.",
        "forgot_request": "your open request (withdrawn)",
        "forgot_checkin": "your check-ins",
        "forgot_settings": "language and time zone",
        "forgot_waiting_events": "messages waiting for their key",
        "forgot_unreadable_notices": "notices about unreadable messages",
        "forgot_unhandled": "messages not yet handled",
        "forgot_pinned_key": "your pinned identity key",
        "forgot_separator": "; ",
        "checkin_prompt": "Checking in: how are you today? Send `!talk` if you'd like a peer.",
        "checkin_set": (
            "Okay: I'll check in with you {days} at {at} ({zone}). `!checkin off` stops it."
        ),
        "checkin_show": "Your check-in: {days} at {at} ({zone}). `!checkin off` stops it.",
        "checkin_none": "You have no check-in. Example: `!checkin daily 20:00 Europe/Berlin`",
        "checkin_off": "Your check-in is off.",
        "checkin_usage": (
            "That didn't work. Examples: `!checkin daily 20:00`, `!checkin mon,thu 19:30 "
            "Asia/Beirut`, `!checkin off`"
        ),
        "tz_set": "Your time zone is now {zone}.",
        "tz_bad": "I don't know that time zone. Example: `!tz Europe/Berlin` or `!tz Asia/Beirut`",
        "help_checkin": "a gentle private check-in at a time you choose",
        "help_tz": "set your time zone, e.g. `Asia/Beirut`",
        "page": (
            "🔔 New request **{id}** · language: {language} · waiting {waited}\n"
            "Accept with `!accept {id}` or react ✅ to this message."
        ),
        "page_many": (
            "🔔 New requests · `!accept ID` takes one; ✅ on this message takes the oldest "
            "still open."
        ),
        "page_many_edit": "🔔 Requests paged together:",
        "page_line": "- **{id}** · language: {language} · waiting {waited}",
        "escalation_many": "⏫ Still waiting, nobody has accepted these yet:",
        "page_taken": "✅ Request **{id}** · taken by {supporter}",
        "page_cancelled": "Request **{id}** · withdrawn by the member",
        "page_closed": "Request **{id}** · {outcome}",
        "outcome_done": "session done",
        "outcome_expired": "session expired",
        "outcome_lapsed": "closed: nobody could take it in time",
        "escalation": ("⏫ Still waiting: **{id}** · language: {language} · waiting {waited}."),
        "gave_up_team": (
            "Request **{id}** has waited {waited} without a supporter; the member was told "
            "honestly and given the crisis resources. It stays open: `!accept {id}` still works."
        ),
        "store_down_team": (
            "⚠️ I cannot write my store (is the disk full?). Until it works again I take no "
            "new messages: they wait on the homeserver, and nothing already stored is lost. "
            "Please free space under `store.path`."
        ),
        "handoff_failed_team": (
            "⚠️ {supporter}: I could not set up the private room for request **{id}**. It is "
            "open again and paged anew below; the member was told it is taking longer."
        ),
        "rate_limited": (
            "⚠️ The homeserver is rate-limiting me, so my messages and new private rooms go out "
            "slowly: members' answers first, then pages. Nothing is lost. A homeserver admin "
            "can lift the limits for my account ({bot}); on Synapse: `POST "
            "/_synapse/admin/v1/users/{bot}/override_ratelimit` with "
            '`{"messages_per_second": 0, "burst_count": 0}`. `warmline doctor` shows it.'
        ),
        "room_preparing": (
            "{supporter} is here for you. The homeserver is slowing me down, so your private "
            "room takes a little longer: I'll invite you to it as soon as it is ready."
        ),
        "flood": (
            "Someone is sending me many messages very fast, so I'm ignoring their messages for "
            "a minute. Any request they already made stays open and paged once."
        ),
        "accepted_team": (
            "{supporter}, you have request **{id}**: I've invited you and the member to a "
            "private, encrypted room. Send `!done {id}` here when the session is over."
        ),
        "not_supporter": "Only peer supporters on the roster can accept requests.",
        "no_request": "There is no request {id}.",
        "taken_by": "Request {id} was already taken by {supporter}.",
        "withdrawn": "Request {id} was withdrawn by the member.",
        "closed": "Request {id} is closed.",
        "no_session": "There is no open session {id}.",
        "not_your_session": "Session {id} belongs to another supporter.",
        "session_closed": "Session {id} is closed. Thank you for being there.",
        "someone_else": "someone else",
        "waited_short": "under a minute",
        "queue_empty": "No open requests.",
        "queue_title": "Open requests:",
        "queue_told": " · member told nobody is free",
        "queue_line": "- **{id}** · {language} · {waited}{told}",
        "queue_hint": "Accept one with `!accept ID`.",
        "device_alert": (
            "⚠️ {who}'s account has a session that is not verified (cross-signed): device "
            "`{device}`. If {who} did not add it, their account or homeserver may be "
            "compromised. I share no room keys with it. {who}: verify it from another session, "
            "or remove it."
        ),
        "trust_done": (
            "Done: I now trust the current identity of that account (master key "
            "`{fingerprint}`). Only approve after confirming the change with the person, "
            "outside Matrix if you can."
        ),
        "trust_none": "That account has no cross-signing identity to approve.",
        "resource_none": "- your local emergency number",
        "undecryptable": (
            "I couldn't read a message you sent here: it reached me encrypted, but your session "
            "did not share its key with me{why}. Please check that you are using a verified "
            "session (in Element: Settings → Sessions), then send it again."
        ),
        "undecryptable_why_unverified": (
            " (your session does not trust my device; verifying my device fixes it)"
        ),
        "undecryptable_why_blacklisted": " (your session has blocked my device)",
        "undecryptable_why_unauthorised": " (your session says I may not read it)",
        "undecryptable_why_no_olm": " (our sessions could not set up a secure channel)",
        "supporter_unnamed": "A peer supporter",
        "supporter_unnamed_within": "a peer supporter",
    },
    "ar": {
        "talk_ack": (
            "أتواصل الآن مع أحد الداعمين من الأقران من أجلك، وسأخبرك هنا فور أن يكون أحدهم "
            "في طريقه إليك.\n"
            "وأثناء الانتظار: هل أنت في مكان آمن للحديث؟\n"
            "إذا كنت في خطر مباشر، يُرجى التواصل مع:\n{resources}\n"
            "يمكنك سحب الطلب في أي وقت بإرسال `!cancel`."
        ),
        "talk_nobody": (
            "أنا آسف: لا يوجد داعم متاح الآن{next_shift}. ومع ذلك أبلغتُ الفريق، وإذا تفرّغ "
            "أحدهم يمكنه قبول طلبك.\n"
            "إذا كنت في خطر مباشر، يُرجى التواصل مع:\n{resources}\n"
            "يمكنك إبقاء الطلب مفتوحًا، أو سحبه بإرسال `!cancel`."
        ),
        "next_shift": " (تبدأ المناوبة التالية الساعة {time})",
        "talk_gave_up": (
            "أنا آسف، لم يتمكن أي داعم من الرد حتى الآن. هذا ليس بسببك؛ كل أعضاء الفريق "
            "مشغولون أو غير متاحين الآن.\n"
            "إذا كنت في خطر مباشر، يُرجى التواصل مع:\n{resources}\n"
            "يبقى طلبك مفتوحًا ويمكن لأحد الداعمين قبوله لاحقًا. إذا كنت لا تريد الانتظار، "
            "أرسل `!cancel`."
        ),
        "talk_still_open": (
            "طلبك ما زال مفتوحًا والداعمون على علم به. سأخبرك هنا فور أن يقبله أحدهم. "
            "(لسحبه أرسل `!cancel`.)"
        ),
        "talk_in_session": "أحد الداعمين معك بالفعل في غرفتك الخاصة.",
        "request_kept": (
            "إذا لم يقبله أحد حتى {until} بتوقيت UTC، سأغلقه ولن يبقى معه أي شيء عنك. "
            "يمكنك الطلب مجددًا في أي وقت."
        ),
        "late_talk": (
            "رسالتك المرسلة في {when} بتوقيت UTC لم تصلني إلا الآن، لذلك لم أُحِلها إلى الفريق. "
            "أنا آسف. إذا كنت ما زلت تريد التحدث مع أحد الداعمين من الأقران، أرسل `!talk` أو "
            "«أحتاج أن أتحدث» مجددًا.\n"
            "إذا كنت في خطر مباشر، يُرجى التواصل مع:\n{resources}"
        ),
        "late_command": (
            "رسالتك المرسلة في {when} بتوقيت UTC لم تصلني إلا الآن، لذلك لم أنفّذها. "
            "إذا كنت ما زلت تريدها، يُرجى إرسالها مجددًا."
        ),
        "answered_privately": "أجبتُك في رسالة خاصة.",
        "dm_failed": (
            "لم أتمكن من فتح محادثة خاصة معك الآن. يُرجى المحاولة بعد قليل، أو بدء محادثة خاصة "
            "مشفّرة معي."
        ),
        "accepted_member": (
            "{supporter} هنا من أجلك. دعوتُك إلى غرفة خاصة ومشفّرة: اقبل الدعوة لتبدأ الحديث."
        ),
        "handoff_failed_member": (
            "قبل أحد الداعمين طلبك، لكنني لم أتمكن من تجهيز غرفتك الخاصة. أنا آسف: الأمر "
            "يستغرق وقتًا أطول مما ينبغي. طلبك مفتوح من جديد والداعمون على علم به؛ سأخبرك هنا "
            "حالما يقبله أحد. (`!cancel` يسحبه.)"
        ),
        "handoff_intro": (
            "أهلًا بك. هذه غرفة خاصة ومشفّرة من طرف إلى طرف، لك ولـ{supporter} من فريق دعم "
            "الأقران.{leaving}"
        ),
        "handoff_leaving": " سأغادر الآن، فلا يقرأ ما يُكتب هنا سواكما.",
        "cancelled": "تم سحب طلبك. يمكنك الطلب مجددًا في أي وقت.",
        "nothing_to_cancel": "ليس لديك طلب مفتوح.",
        "cancel_in_session": (
            "لقد قبل أحد الداعمين طلبك بالفعل؛ يمكنك مغادرة الغرفة الخاصة متى شئت."
        ),
        "unknown_command": "لا أعرف الأمر `{command}`. أرسل `!help` لترى ما يمكنني فعله.",
        "not_allowed": "عذرًا، الأمر `{command}` مخصّص لـ{who} فقط.",
        "who_supporter": "الداعمين",
        "who_organizer": "المنظّمين",
        "who_supporter_organizer": "المنظّمين والداعمين",
        "unencrypted_room": (
            "هذه الغرفة غير مشفّرة، لذلك لن أتعامل مع `{command}` هنا. يُرجى بدء محادثة خاصة "
            "مشفّرة معي وإرساله هناك."
        ),
        "syntax": "لم ينجح ذلك: الصيغة الصحيحة هي `{usage}`.",
        "bug": (
            "عذرًا، حدث خطأ من جهتي (المرجع: {ref}). يُرجى المحاولة مرة أخرى؛ وإذا تكرر ذلك، "
            "يمكن لأحد المنظّمين البحث عن هذا المرجع في السجل."
        ),
        "untrusted_device": (
            "لا يمكنني تنفيذ `{command}` من هذه الجلسة لأنها غير موثّقة: لم يوقّعها صاحبها، "
            "فلا يمكنني التأكد من أنها أنت. وثّق هذه الجلسة من إحدى جلساتك الأخرى (في Element: "
            "الإعدادات ← الجلسات)، أو أرسل الأمر من جلسة موثّقة."
        ),
        "unknown_session": (
            "لم أستطع معرفة أيّ من جلساتك أرسل هذا (وصل دون تشفير، أو من جلسة لا أعرفها بعد)، "
            "لذلك لن أتصرف بناءً عليه. يُرجى إرسال `{command}` من جلسة موثّقة."
        ),
        "master_key_changed": (
            "لا يمكنني تنفيذ `{command}` بعد: تغيّر مفتاح هوية حسابك منذ أن رأيته أول مرة. قد "
            "يعني ذلك أنك أعدت ضبط التشفير، أو أن شخصًا آخر يتحكم بالحساب. يجب أن يتأكد أحد "
            "المنظّمين من التغيير معك قبل المتابعة."
        ),
        "dm_hint": "مرحبًا! أنا warmline، بوت. أرسل `!help` لترى ما يمكنني فعله.",
        "help_intro": (
            "**warmline** يصلك بشكل خاص بأحد الداعمين المدرَّبين من الأقران.\n"
            "للوصول إلى أحد الداعمين، اكتب «أحتاج أن أتحدث» أو `!talk` في رسالة خاصة معي."
        ),
        "help_commands": "الأوامر المتاحة لك:",
        "help_help": "عرض هذه القائمة",
        "help_talk": "الوصول إلى أحد الداعمين بشكل خاص (أو اكتب فقط «أحتاج أن أتحدث»)",
        "help_cancel": "سحب طلبك المفتوح",
        "help_accept": "قبول طلب؛ أفتح غرفة خاصة لك وللعضو",
        "help_done": "إنهاء جلسة قبلتها",
        "help_queue": "عرض الطلبات المفتوحة",
        "help_trust": "تأكيد الهوية الجديدة لعضو بعد إعادة ضبط التشفير",
        "help_resources": "موارد الأزمات والدعم (لموضوع واحد إن شئت)",
        "help_lang": "اختيار لغتي: `en` أو `ar`",
        "help_forget": "حذف كل ما أحتفظ به عنك",
        "resources_title": "الموارد:",
        "resources_none_topic": "ليس لدي موارد لهذا الموضوع. أرسل `!resources` لعرضها كلها.",
        "lang_set": "حسنًا، سأكتب إليك بالعربية من الآن.",
        "lang_unknown": "أتحدث `en` (الإنجليزية) و`ar` (العربية). مثال: `!lang ar`",
        "forgot": "تم. حذفتُ كل ما كنت أحتفظ به عنك: {what}.",
        "forgot_nothing": "لم أحتفظ بأي شيء عنك، فلا يوجد ما يُحذف.",
        "forgot_request": "طلبك المفتوح (تم سحبه)",
        "forgot_checkin": "مواعيد الاطمئنان",
        "forgot_settings": "اللغة والمنطقة الزمنية",
        "forgot_waiting_events": "رسائل تنتظر مفتاحها",
        "forgot_unreadable_notices": "تنبيهات عن رسائل تعذّرت قراءتها",
        "forgot_unhandled": "رسائل لم أتعامل معها بعد",
        "forgot_pinned_key": "مفتاح هويتك المثبّت",
        "forgot_separator": "؛ ",
        "checkin_prompt": (
            "أطمئن عليك: كيف حالك اليوم؟ أرسل `!talk` إذا أردت التحدث مع أحد الداعمين."
        ),
        "checkin_set": (
            "حسنًا: سأطمئن عليك {days} الساعة {at} ({zone}). لإيقافه أرسل `!checkin off`."
        ),
        "checkin_show": "موعد اطمئنانك: {days} الساعة {at} ({zone}). لإيقافه أرسل `!checkin off`.",
        "checkin_none": "ليس لديك موعد اطمئنان. مثال: `!checkin daily 20:00 Asia/Beirut`",
        "checkin_off": "تم إيقاف موعد الاطمئنان.",
        "checkin_usage": (
            "لم ينجح ذلك. أمثلة: `!checkin daily 20:00`، `!checkin mon,thu 19:30 "
            "Asia/Beirut`، `!checkin off`"
        ),
        "tz_set": "منطقتك الزمنية الآن {zone}.",
        "tz_bad": "لا أعرف هذه المنطقة الزمنية. مثال: `!tz Asia/Beirut` أو `!tz Europe/Berlin`",
        "help_checkin": "اطمئنان خاص ولطيف في وقت تختاره",
        "help_tz": "ضبط منطقتك الزمنية، مثل `Asia/Beirut`",
        "page": (
            "🔔 طلب جديد **{id}** · اللغة: {language} · ينتظر منذ {waited}\n"
            "اقبله بإرسال `!accept {id}` أو تفاعل بـ ✅ على هذه الرسالة."
        ),
        "page_many": (
            "🔔 طلبات جديدة · `!accept ID` يقبل أحدها؛ والتفاعل بـ ✅ على هذه الرسالة يقبل "
            "أقدمها المفتوح."
        ),
        "page_many_edit": "🔔 طلبات أُرسلت معًا:",
        "page_line": "- **{id}** · اللغة: {language} · ينتظر منذ {waited}",
        "escalation_many": "⏫ ما زالت تنتظر، لم يقبلها أحد بعد:",
        "page_taken": "✅ الطلب **{id}** · تولّاه {supporter}",
        "page_cancelled": "الطلب **{id}** · سحبه العضو",
        "page_closed": "الطلب **{id}** · {outcome}",
        "outcome_done": "انتهت الجلسة",
        "outcome_expired": "انتهت مهلة الجلسة",
        "outcome_lapsed": "أُغلق: لم يتمكن أحد من قبوله في الوقت المناسب",
        "escalation": ("⏫ ما زال ينتظر: **{id}** · اللغة: {language} · ينتظر منذ {waited}."),
        "gave_up_team": (
            "الطلب **{id}** انتظر {waited} دون داعم؛ أُبلغ العضو بصراحة وأُعطي موارد الأزمات. "
            "يبقى مفتوحًا: `!accept {id}` ما زال يعمل."
        ),
        "store_down_team": (
            "⚠️ لا أستطيع الكتابة في مخزني (هل القرص ممتلئ؟). حتى يعود للعمل لا أستقبل رسائل "
            "جديدة: تنتظر على الخادم، ولا يضيع شيء مما خُزّن. يُرجى تحرير مساحة في `store.path`."
        ),
        "handoff_failed_team": (
            "⚠️ {supporter}: لم أتمكن من تجهيز الغرفة الخاصة للطلب **{id}**. عاد مفتوحًا "
            "وأُبلغ عنه من جديد أدناه؛ وأُخبر العضو أن الأمر يستغرق وقتًا أطول."
        ),
        "rate_limited": (
            "⚠️ الخادم يحدّ من سرعة رسائلي، لذلك تخرج رسائلي والغرف الخاصة الجديدة ببطء: ردود "
            "الأعضاء أولًا، ثم التنبيهات. لن يضيع شيء. يمكن لمسؤول الخادم رفع الحدود عن حسابي "
            "({bot})؛ في `Synapse`: `POST /_synapse/admin/v1/users/{bot}/override_ratelimit` مع "
            '`{"messages_per_second": 0, "burst_count": 0}`. يُظهر ذلك `warmline doctor`.'
        ),
        "room_preparing": (
            "{supporter} هنا من أجلك. الخادم يبطئني، لذلك تتأخر غرفتك الخاصة قليلًا: سأدعوك "
            "إليها فور جهوزها."
        ),
        "flood": (
            "شخص ما يرسل إليّ رسائل كثيرة بسرعة كبيرة، لذلك أتجاهل رسائله لمدة دقيقة. أي طلب "
            "قدّمه يبقى مفتوحًا ومُبلَّغًا عنه مرة واحدة."
        ),
        "accepted_team": (
            "{supporter}، الطلب **{id}** لك: دعوتُك أنت والعضو إلى غرفة خاصة ومشفّرة. أرسل "
            "`!done {id}` هنا عند انتهاء الجلسة."
        ),
        "not_supporter": "يمكن فقط للداعمين المسجّلين في القائمة قبول الطلبات.",
        "no_request": "لا يوجد طلب {id}.",
        "taken_by": "الطلب {id} تولّاه {supporter} بالفعل.",
        "withdrawn": "الطلب {id} سحبه العضو.",
        "closed": "الطلب {id} مغلق.",
        "no_session": "لا توجد جلسة مفتوحة {id}.",
        "not_your_session": "الجلسة {id} تخص داعمًا آخر.",
        "session_closed": "أُغلقت الجلسة {id}. شكرًا لوجودك.",
        "someone_else": "شخص آخر",
        "waited_short": "أقل من دقيقة",
        "queue_empty": "لا توجد طلبات مفتوحة.",
        "queue_title": "الطلبات المفتوحة:",
        "queue_told": " · أُبلغ العضو بعدم توفر أحد",
        "queue_line": "- **{id}** · اللغة: {language} · ينتظر منذ {waited}{told}",
        "queue_hint": "اقبل أحدها بإرسال `!accept ID`.",
        "device_alert": (
            "⚠️ في حساب {who} جلسة غير موثّقة (غير موقّعة): الجهاز `{device}`. إذا لم يضفها "
            "{who}، فقد يكون الحساب أو الخادم مخترقًا. لا أشارك مفاتيح الغرف معها. {who}: "
            "وثّقها من جلسة أخرى، أو احذفها."
        ),
        "trust_done": (
            "تم: أثق الآن بالهوية الحالية لهذا الحساب (المفتاح الرئيسي `{fingerprint}`). "
            "لا توافق إلا "
            "بعد التأكد من التغيير مع الشخص نفسه، خارج Matrix إن أمكن."
        ),
        "trust_none": "لا توجد لهذا الحساب هوية توقيع متبادل للموافقة عليها.",
        "resource_none": "- رقم الطوارئ المحلي لديك",
        "undecryptable": (
            "لم أتمكن من قراءة رسالة أرسلتها هنا: وصلتني مشفّرة، لكن جلستك لم تشاركني "
            "مفتاحها{why}. يُرجى التأكد من أنك تستخدم جلسة موثّقة (في Element: الإعدادات ← "
            "الجلسات)، ثم أرسلها مجددًا."
        ),
        "undecryptable_why_unverified": " (جلستك لا تثق بجهازي؛ توثيق جهازي يحل المشكلة)",
        "undecryptable_why_blacklisted": " (جلستك حظرت جهازي)",
        "undecryptable_why_unauthorised": " (جلستك تقول إنه لا يحق لي قراءتها)",
        "undecryptable_why_no_olm": " (لم تتمكن جلساتنا من إنشاء قناة آمنة)",
        "supporter_unnamed": "أحد الداعمين من الأقران",
        "supporter_unnamed_within": "أحد الداعمين من الأقران",
    },
}


TEXTS: Final[dict[str, dict[str, str]]] = {
    language: {
        **texts,
        **STAFF_TEXTS[language],
        **SUPPORTER_TEXTS[language],
        **SAFETY_TEXTS[language],
        **RELAY_TEXTS[language],
    }
    for language, texts in _TEXTS.items()
}


def plural_form(language: str, n: int) -> str:
    """CLDR's cardinal plural rule (unicode.org, plurals.xml) for `language` and whole `n`."""
    if language == "ar":
        if n in (0, 1, 2):
            return ("zero", "one", "two")[n]
        if 3 <= n % 100 <= 10:
            return "few"
        return "many" if 11 <= n % 100 <= 99 else "other"
    return "one" if n == 1 else "other"


def check_overrides(overrides: Mapping[str, Mapping[str, str]]) -> None:
    """Raises ValueError naming the first override that cannot work."""
    for language, texts in overrides.items():
        if language not in TEXTS:
            raise ValueError(f"no built-in texts for language {language!r} ({', '.join(TEXTS)})")
        for key, template in texts.items():
            base, dot, _ = key.partition(".")
            if dot:
                if key not in TEXTS[language]:
                    forms = ", ".join(f"{base}.{f}" for f in PLURAL_FORMS[language])
                    raise ValueError(
                        f"{language}.{key} is not a message name (counted texts in {language}: "
                        f"{forms})"
                    )
                if not placeholders(template) <= {"n"}:
                    raise ValueError(f"{language}.{key} may use only {{n}}, the count")
                continue
            if key not in TEXTS[DEFAULT]:
                raise ValueError(f"{language}.{key} is not a message name")
            wanted = placeholders(TEXTS[DEFAULT][key])
            if placeholders(template) != wanted:
                need = ", ".join(f"{{{p}}}" for p in sorted(wanted)) or "no placeholders"
                raise ValueError(f"{language}.{key} must use exactly {need}")


class Catalogue:
    """The built-in texts with the organizers' overrides (config `messages`) on top."""

    def __init__(
        self, overrides: Mapping[str, Mapping[str, str]] | None = None, default: str = DEFAULT
    ) -> None:
        self._overrides = overrides or {}
        self.default = default

    def update(self, overrides: Mapping[str, Mapping[str, str]], default: str) -> None:
        """A config reload: new overrides and default language, from the next message on."""
        self._overrides, self.default = overrides, default

    @staticmethod
    def direction(language: str) -> str:
        return "rtl" if language in RTL else "ltr"

    def render(self, language: str, key: str, **values: object) -> Message:
        return render(self.text(language, key), self.direction(language), **values)

    def piece(self, language: str, key: str, **values: object) -> Piece:
        """Text `key` in `language` with its values, to be part of a longer reply."""
        return Piece(self.text(language, key), values)

    def message(self, language: str, piece: Piece) -> Message:
        """`piece` (made of texts in `language`) rendered as one reply."""
        return render(piece.template, self.direction(language), **piece.values)

    def listed(self, language: str, items: list[object]) -> Piece:
        """Names (or any values) in a row, as `language` separates them: "Sam, Noor"."""
        return join(items, self.text(language, "list_separator"))

    def weekday_time(self, language: str, moment: datetime) -> str:
        """`Tue 18:00` with the day's name in `language` (e.g. `الثلاثاء 18:00`)."""
        names = self.text(language, "weekdays").split()
        if len(names) != 7:  # an override that does not list seven days
            names = TEXTS[DEFAULT]["weekdays"].split()
        day = names[moment.weekday()]
        return f"{day} {moment:%H:%M}"

    def count(self, language: str, key: str, n: int) -> str:
        """The form of counted text `key` that `n` takes in `language`, with {n} filled in:
        "1 request", "2 requests"; "طلب واحد", "طلبان", "3 طلبات", "11 طلبًا"."""
        for lang in (language, self.default, DEFAULT):
            if lang in TEXTS:
                found = self._lookup(lang, f"{key}.{plural_form(lang, n)}")
                if found:
                    return found.replace("{n}", str(n))
        raise KeyError(key)

    def _lookup(self, language: str, key: str) -> str | None:
        return self._overrides.get(language, {}).get(key) or TEXTS[language].get(key)

    def has(self, key: str) -> bool:
        return key in TEXTS[DEFAULT]

    def text(self, language: str, key: str) -> str:
        for lang in (language, self.default, DEFAULT):
            found = self._overrides.get(lang, {}).get(key) or TEXTS.get(lang, {}).get(key)
            if found:
                return found
        raise KeyError(key)

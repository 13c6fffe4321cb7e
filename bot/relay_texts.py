"""Texts of the anonymous relay (issue #13), in English and Arabic: what the member hears
(in their language) and what the supporter reads in the relay room (in the team's). Merged
into bot.catalogue's TEXTS, so organizers can override them the same way."""

from __future__ import annotations

from typing import Final

RELAY_TEXTS: Final[dict[str, dict[str, str]]] = {
    "en": {
        "ask_offer": (
            "Reply `private` to stay anonymous: I pass your messages on, and the supporter "
            "never sees your account."
        ),
        "relay_chosen": (
            "Private it is: the supporter will not see your account. I'll tell you here when "
            "someone accepts."
        ),
        "relay_started_member": (
            "{supporter} is here for you, right in this chat.\n"
            "I pass your messages to them and theirs to you: {supporter} never sees your "
            "account, and I keep none of the messages. Their messages appear here with their "
            "name.\n"
            "Send `!end` when you want to finish."
        ),
        "relay_started_supporter": (
            "You are talking with **member {id}**, through me. Their messages appear here; "
            "what you write here goes to them under your roster name, {supporter}. Neither "
            "of you sees the other's account. Replies, edits, deletions and reactions are "
            "passed on too.\n"
            "`!done` ends the session."
        ),
        "accepted_team_relay": (
            "{supporter}, you have request **{id}**, relayed: neither of you sees the other's "
            'account. I\'ve invited you to the room "member {id}"; write to the member '
            "there. Send `!done` there (or `!done {id}` here) when the session is over."
        ),
        "relay_room_name": "warmline · member {id}",
        "relay_room_topic": "Anonymous relay: messages from and to member {id}.",
        "relay_ended_member": (
            "Your conversation with {supporter} has ended, and I have deleted what I kept to "
            "pass messages on. You can write `I need to talk` again any time."
        ),
        "relay_ended_supporter": (
            "The session with member {id} has ended; nothing more is passed on. You can leave "
            "this room."
        ),
        "relay_not_edit": (
            "I couldn't pass that edit on: the message it changes was not passed on through me."
        ),
        "relay_not_other": (
            "I can't pass that kind of message on (a location, a poll or a sticker, say): it "
            "was not passed on. Please put it in words."
        ),
        "relay_too_big": (
            "That attachment is bigger than {limit} MB, so I didn't pass it on. A smaller one, "
            "or words, will get through."
        ),
        "relay_media_failed": (
            "I couldn't pass that attachment on. Please try again, or put it in words."
        ),
        "end_nothing": "You have no conversation with a supporter to end.",
        "help_end": "end your conversation with a supporter",
        "relay_untrusted": (
            "I didn't pass that on: it came unencrypted or from a session that isn't "
            "verified, so I can't be sure it is really you. Please write from a verified "
            "session."
        ),
    },
    "ar": {
        "ask_offer": (
            "أرسل `private` لتبقى مجهول الهوية: أنقل رسائلك، ولن يرى المتطوع حسابك أبداً."
        ),
        "relay_chosen": (
            "حسناً، سيبقى الأمر خاصاً: لن يرى المتطوع حسابك. سأخبرك هنا عندما يقبل أحدهم طلبك."
        ),
        "relay_started_member": (
            "{supporter} هنا من أجلك، في هذه المحادثة نفسها.\n"
            "أنقل رسائلك إليه ورسائله إليك: لا يرى {supporter} حسابك أبداً، ولا أحتفظ بأي "
            "رسالة. تظهر رسائله هنا مع اسمه.\n"
            "أرسل `!end` عندما تريد الإنهاء."
        ),
        "relay_started_supporter": (
            "أنت تتحدث مع **العضو {id}** من خلالي. تظهر رسائله هنا، وما تكتبه هنا يصله باسمك "
            "في القائمة، {supporter}. لا يرى أي منكما حساب الآخر. تُنقل الردود والتعديلات "
            "والحذف والتفاعلات أيضاً.\n"
            "`!done` ينهي الجلسة."
        ),
        "accepted_team_relay": (
            "{supporter}، لديك الطلب **{id}**، عبر النقل: لا يرى أي منكما حساب الآخر. دعوتك "
            "إلى الغرفة «العضو {id}»؛ اكتب للعضو هناك. أرسل `!done` هناك (أو `!done {id}` هنا) "
            "عند انتهاء الجلسة."
        ),
        "relay_room_name": "warmline · العضو {id}",
        "relay_room_topic": "نقل مجهول الهوية: رسائل من العضو {id} وإليه.",
        "relay_ended_member": (
            "انتهت محادثتك مع {supporter}، وحذفت ما احتفظت به لنقل الرسائل. يمكنك أن تكتب "
            "«أحتاج أن أتحدث» مرة أخرى في أي وقت."
        ),
        "relay_ended_supporter": (
            "انتهت الجلسة مع العضو {id}؛ لن يُنقل شيء بعد الآن. يمكنك مغادرة هذه الغرفة."
        ),
        "relay_not_edit": "لم أستطع نقل هذا التعديل: الرسالة التي يغيّرها لم تُنقل من خلالي.",
        "relay_not_other": (
            "لا أستطيع نقل هذا النوع من الرسائل (موقع أو استطلاع أو ملصق مثلاً): لم تُنقل تلك "
            "الرسالة. من فضلك عبّر عنها بالكلمات."
        ),
        "relay_too_big": (
            "هذا المرفق أكبر من {limit} ميغابايت، فلم أنقله. مرفق أصغر، أو الكلمات، ستصل."
        ),
        "relay_media_failed": (
            "لم أستطع نقل هذا المرفق. من فضلك حاول مرة أخرى، أو عبّر عنه بالكلمات."
        ),
        "end_nothing": "ليست لديك محادثة مع متطوع لإنهائها.",
        "help_end": "إنهاء محادثتك مع المتطوع",
        "relay_untrusted": (
            "لم أنقل ذلك: وصل دون تشفير أو من جلسة غير موثّقة، فلا أستطيع التأكد من أنه أنت. "
            "من فضلك اكتب من جلسة موثّقة."
        ),
    },
}

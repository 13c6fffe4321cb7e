"""The member-safety texts (issue #13): the promise in the first answer, the quick exit,
blocks and repeated requests, in English and Arabic; merged into bot.catalogue's TEXTS, so
organizers can override them the same way."""

from __future__ import annotations

from typing import Final

SAFETY_TEXTS: Final[dict[str, dict[str, str]]] = {
    "en": {
        "promise": (
            "What this line does: the on-call peer supporters see your request as a number, "
            "never your name, and only the one who takes it talks with you; nobody outside the "
            "team is contacted unless you ask; `!cancel` withdraws the request, `!exit` ends "
            "everything here at once, and `!forget` deletes what I keep about you."
        ),
        "discreet_line": "New message",
        "help_exit": "leave at once: withdraw, delete what I keep, clear my messages here",
        "exit_last_words": (
            "To remove this conversation from your device, leave the room and delete it "
            "(in Element: the room's menu, Leave, then Forget)."
        ),
        "help_block": (
            "block the member of a request you have or had (e.g. `!block K7F2 7d reason`); "
            "nobody learns who they are"
        ),
        "help_unblock": "lift the block on a request's member",
        "help_blocks": "the blocks in force (request ids, until when; reasons for organizers)",
        "blocked_member": (
            "I can't pass on requests from this account to the peer supporters at the moment. "
            "You matter, and help is still there for you:\n{resources}"
        ),
        "block_done": (
            "The member of request {id} is blocked until {until}. Nobody on the team "
            "learns who they are."
        ),
        "block_forever": "further notice",
        "block_again": (
            "The member of request {id} was already blocked; the block now lasts until {until}."
        ),
        "block_not_yours": (
            "Only the supporter who has or had request {id}, or an organizer, can block its member."
        ),
        "block_gone": (
            "Request {id} is no longer kept (closed longer than the retention allows), so its "
            "member can't be blocked."
        ),
        "block_duration": "I don't understand `{value}` as a duration: try `7d`, `12h` or `30m`.",
        "unblock_done": "The block on the member of request {id} is lifted.",
        "unblock_none": "There is no block for request {id}.",
        "blocks_none": "No blocks are in force.",
        "blocks_title": "Blocks in force (request ids only, never who):",
        "blocks_line": "- **{id}** until {until}{reason}",
        "blocks_reason": " · {reason}",
        "status_blocks": "Blocks in force: {blocks}",
        "repeat_team": (
            "One member has made {n} requests in the last 7 days ({ids}). I won't say who; "
            "`!block ID` is there if it is misuse."
        ),
    },
    "ar": {
        "promise": (
            "ما يفعله هذا الخط: يرى الداعمون المناوبون طلبك كرقم، لا باسمك أبدًا، ولا يتحدث "
            "معك إلا من يتولّاه؛ لا نتواصل مع أي أحد خارج الفريق إلا إذا طلبت ذلك؛ `!cancel` "
            "يسحب الطلب، و`!exit` ينهي كل شيء هنا فورًا، و`!forget` يحذف ما أحتفظ به عنك."
        ),
        "discreet_line": "رسالة جديدة",
        "help_exit": "المغادرة فورًا: سحب الطلب وحذف ما أحتفظ به ومسح رسائلي هنا",
        "exit_last_words": (
            "لإزالة هذه المحادثة من جهازك، غادر الغرفة واحذفها "
            "(في Element: قائمة الغرفة، ثم مغادرة، ثم نسيان)."
        ),
        "help_block": (
            "حظر صاحب طلب توليته أو تتولاه (مثل `!block K7F2 7d السبب`)؛ لا يعرف أحد من هو"
        ),
        "help_unblock": "رفع الحظر عن صاحب طلب",
        "help_blocks": "أنواع الحظر السارية (أرقام الطلبات وحتى متى؛ الأسباب للمنظمين)",
        "blocked_member": (
            "لا يمكنني حاليًا إيصال الطلبات من هذا الحساب إلى الداعمين. أنت مهم، والمساعدة "
            "ما زالت متاحة لك:\n{resources}"
        ),
        "block_done": "صاحب الطلب {id} محظور حتى {until}. لا يعرف أحد في الفريق من هو.",
        "block_forever": "إشعار آخر",
        "block_again": "صاحب الطلب {id} كان محظورًا؛ يستمر الحظر الآن حتى {until}.",
        "block_not_yours": (
            "لا يمكن حظر صاحب الطلب {id} إلا للداعم الذي تولاه أو يتولاه، أو لأحد المنظمين."
        ),
        "block_gone": (
            "الطلب {id} لم يعد محفوظًا (أُغلق منذ مدة أطول من مدة الاحتفاظ)، فلا يمكن حظر صاحبه."
        ),
        "block_duration": "لا أفهم `{value}` كمدة: جرّب `7d` أو `12h` أو `30m`.",
        "unblock_done": "رُفع الحظر عن صاحب الطلب {id}.",
        "unblock_none": "لا يوجد حظر للطلب {id}.",
        "blocks_none": "لا يوجد حظر سارٍ.",
        "blocks_title": "الحظر الساري (أرقام الطلبات فقط، لا الأشخاص):",
        "blocks_line": "- **{id}** حتى {until}{reason}",
        "blocks_reason": " · السبب: {reason}",
        "status_blocks": "الحظر الساري: {blocks}",
        "repeat_team": (
            "قدّم عضو واحد {n} طلبات خلال الأيام السبعة الماضية ({ids}). لن أقول من هو؛ "
            "`!block ID` متاح إن كان ذلك إساءة استخدام."
        ),
    },
}

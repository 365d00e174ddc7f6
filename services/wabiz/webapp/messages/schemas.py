"""The messages of `POST /v1/messages`: one strict model per `type`; the answers at the end.

Each model admits exactly its own typed object, so an object of another type is 1010 and a
missing one 1008, both naming the field; caption and filename exist only on the media types that
take them. What a schema cannot say with the contract's codes (text length → 1001, the recipient
type → 1002, "id or link", per-kind interactive parts) is checked in `rules.py`.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from wabiz.webapp.bodies import StrictModel
from wabiz.webapp.openapi import AnswerModel, Envelope

Short = Annotated[str, Field(min_length=1, max_length=256)]
OptionalText = Annotated[str, Field(max_length=1024)] | None
TemplateName = Annotated[str, Field(min_length=1, max_length=512)]
LanguageCode = Annotated[str, Field(min_length=2, max_length=15)]
MAX_BUTTONS = 3
MAX_SECTIONS = 10


class Text(StrictModel):
    body: Annotated[str, Field(min_length=1)]
    preview_url: bool | None = None  # the Cloud API's place for it; the top-level field works too


class Provider(StrictModel):
    name: Short


class Media(StrictModel):
    """Uploaded media by `id`, or a `link` the network fetches (through `provider`, if named)."""

    id: Annotated[str, Field(min_length=1, max_length=64)] | None = None
    link: Annotated[str, Field(pattern=r"^https?://\S+$", max_length=2048)] | None = None
    provider: Provider | None = None


class CaptionedMedia(Media):
    caption: Annotated[str, Field(max_length=1024)] | None = None


class DocumentMedia(CaptionedMedia):
    filename: Annotated[str, Field(min_length=1, max_length=255)] | None = None


class Location(StrictModel):
    latitude: Annotated[float, Field(ge=-90, le=90)]
    longitude: Annotated[float, Field(ge=-180, le=180)]
    name: OptionalText = None
    address: OptionalText = None


class ContactName(StrictModel):
    formatted_name: Short
    first_name: OptionalText = None
    last_name: OptionalText = None
    middle_name: OptionalText = None
    suffix: OptionalText = None
    prefix: OptionalText = None


class ContactPhone(StrictModel):
    phone: OptionalText = None
    type: OptionalText = None
    wa_id: OptionalText = None


class ContactEmail(StrictModel):
    email: OptionalText = None
    type: OptionalText = None


class ContactAddress(StrictModel):
    street: OptionalText = None
    city: OptionalText = None
    state: OptionalText = None
    zip: OptionalText = None
    country: OptionalText = None
    country_code: OptionalText = None
    type: OptionalText = None


class ContactOrg(StrictModel):
    company: OptionalText = None
    department: OptionalText = None
    title: OptionalText = None


class ContactUrl(StrictModel):
    url: OptionalText = None
    type: OptionalText = None


class ContactCard(StrictModel):
    name: ContactName
    phones: list[ContactPhone] | None = None
    emails: list[ContactEmail] | None = None
    addresses: list[ContactAddress] | None = None
    org: ContactOrg | None = None
    urls: list[ContactUrl] | None = None
    birthday: Annotated[str, Field(pattern=r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")] | None = None


class Language(StrictModel):
    policy: Literal["deterministic"] = "deterministic"
    code: LanguageCode


class Currency(StrictModel):
    fallback_value: Short
    code: Annotated[str, Field(pattern=r"^[A-Z]{3}$")]
    amount_1000: int


class DateTime(StrictModel):
    fallback_value: Short
    timestamp: int | None = None
    day_of_week: Annotated[int, Field(ge=1, le=7)] | None = None
    year: int | None = None
    month: Annotated[int, Field(ge=1, le=12)] | None = None
    day_of_month: Annotated[int, Field(ge=1, le=31)] | None = None
    hour: Annotated[int, Field(ge=0, le=23)] | None = None
    minute: Annotated[int, Field(ge=0, le=59)] | None = None
    calendar: Literal["GREGORIAN", "SOLAR_HIJRI"] | None = None


class Parameter(StrictModel):
    """One value of a template; the object named by `type` must be present (see rules)."""

    type: Literal["text", "currency", "date_time", "image", "document", "video", "payload"]
    text: Annotated[str, Field(min_length=1, max_length=32768)] | None = None
    currency: Currency | None = None
    date_time: DateTime | None = None
    image: CaptionedMedia | None = None
    document: DocumentMedia | None = None
    video: CaptionedMedia | None = None
    payload: Short | None = None


class Component(StrictModel):
    type: Literal["header", "body", "footer", "button"]
    sub_type: Literal["quick_reply", "url"] | None = None
    index: Annotated[int, Field(ge=0, le=9)] | Annotated[str, Field(pattern=r"^[0-9]$")] | None = None
    parameters: list[Parameter] = Field(default_factory=list)


class Template(StrictModel):
    namespace: Short
    name: TemplateName
    language: Language
    components: list[Component] = Field(default_factory=list)


class InteractiveHeader(StrictModel):
    type: Literal["text", "image", "video", "document"]
    text: Annotated[str, Field(min_length=1, max_length=60)] | None = None
    image: Media | None = None
    video: Media | None = None
    document: DocumentMedia | None = None


class InteractiveBody(StrictModel):
    text: Annotated[str, Field(min_length=1, max_length=1024)]


class InteractiveFooter(StrictModel):
    text: Annotated[str, Field(min_length=1, max_length=60)]


class ButtonReply(StrictModel):
    id: Short
    title: Annotated[str, Field(min_length=1, max_length=20)]


class ReplyButton(StrictModel):
    type: Literal["reply"]
    reply: ButtonReply


class Row(StrictModel):
    id: Annotated[str, Field(min_length=1, max_length=200)]
    title: Annotated[str, Field(min_length=1, max_length=24)]
    description: Annotated[str, Field(max_length=72)] | None = None


class ProductItem(StrictModel):
    product_retailer_id: Short


class Section(StrictModel):
    title: Annotated[str, Field(min_length=1, max_length=24)] | None = None
    rows: list[Row] | None = None
    product_items: list[ProductItem] | None = None


class Action(StrictModel):
    button: Annotated[str, Field(min_length=1, max_length=20)] | None = None
    buttons: Annotated[list[ReplyButton], Field(min_length=1, max_length=MAX_BUTTONS)] | None = None
    sections: Annotated[list[Section], Field(min_length=1, max_length=MAX_SECTIONS)] | None = None
    catalog_id: Short | None = None
    product_retailer_id: Short | None = None


class Interactive(StrictModel):
    """Reply buttons, a list, one product or a product list; which parts each needs: rules.py."""

    type: Literal["button", "list", "product", "product_list"]
    header: InteractiveHeader | None = None
    body: InteractiveBody | None = None
    footer: InteractiveFooter | None = None
    action: Action


class Context(StrictModel):
    message_id: Annotated[str, Field(min_length=1, max_length=128)]


class MessageBase(StrictModel):
    to: Annotated[str, Field(min_length=1, max_length=32)]
    type: str  # narrowed to one literal by each message model
    recipient_type: str = "individual"
    preview_url: bool | None = None
    # On-Premises rendered @-mentions in group messages; accepted for its clients, no effect
    # (the network has neither groups nor mentions for business messages).
    render_mentions: bool | None = None
    ttl: Annotated[int, Field(ge=1, le=30 * 24 * 3600)] | None = None  # seconds
    context: Context | None = None


class TextMessage(MessageBase):
    type: Literal["text"]
    text: Text


class ImageMessage(MessageBase):
    type: Literal["image"]
    image: CaptionedMedia


class VideoMessage(MessageBase):
    type: Literal["video"]
    video: CaptionedMedia


class AudioMessage(MessageBase):
    type: Literal["audio"]
    audio: Media


class DocumentMessage(MessageBase):
    type: Literal["document"]
    document: DocumentMedia


class StickerMessage(MessageBase):
    type: Literal["sticker"]
    sticker: Media


class LocationMessage(MessageBase):
    type: Literal["location"]
    location: Location


class ContactsMessage(MessageBase):
    type: Literal["contacts"]
    contacts: Annotated[list[ContactCard], Field(min_length=1)]


class TemplateMessage(MessageBase):
    type: Literal["template"]
    template: Template


class InteractiveMessage(MessageBase):
    type: Literal["interactive"]
    interactive: Interactive


class HsmLanguage(StrictModel):
    policy: Literal["deterministic", "fallback"] = "deterministic"  # fallback: retired by Meta
    code: LanguageCode


class HsmCurrency(StrictModel):
    currency_code: Annotated[str, Field(pattern=r"^[A-Z]{3}$")]
    amount_1000: int


class HsmDateTime(StrictModel):
    """The old exact date: either broken into parts or a unix time; only the default is shown."""

    component: dict[str, int | str] | None = None
    unix_epoch: dict[str, int] | None = None


class LocalizableParam(StrictModel):
    default: Annotated[str, Field(min_length=1, max_length=32768)]
    currency: HsmCurrency | None = None
    date_time: HsmDateTime | None = None


class Hsm(StrictModel):
    namespace: Short
    element_name: TemplateName
    language: HsmLanguage
    localizable_params: list[LocalizableParam] = Field(default_factory=list)


class HsmMessage(MessageBase):
    """The legacy template message of On-Premises; sent as the `template` it means (`hsm.py`)."""

    type: Literal["hsm"]
    hsm: Hsm


MESSAGE_MODELS: dict[str, type[MessageBase]] = {
    "text": TextMessage,
    "image": ImageMessage,
    "video": VideoMessage,
    "audio": AudioMessage,
    "document": DocumentMessage,
    "sticker": StickerMessage,
    "location": LocationMessage,
    "contacts": ContactsMessage,
    "template": TemplateMessage,
    "interactive": InteractiveMessage,
    "hsm": HsmMessage,
}
AnyMessage = (
    TextMessage
    | ImageMessage
    | VideoMessage
    | AudioMessage
    | DocumentMessage
    | StickerMessage
    | LocationMessage
    | ContactsMessage
    | TemplateMessage
    | InteractiveMessage
    | HsmMessage
)


class StatusChange(StrictModel):
    """`PUT /v1/messages/{id}`: only marking an inbound message read is possible."""

    status: Literal["read"]


class MessageId(AnswerModel):
    id: str


class SentAnswer(Envelope):
    messages: list[MessageId]

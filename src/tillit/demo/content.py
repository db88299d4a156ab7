"""What Nordlys Varme sells, publishes and talks about: products, pages, articles, campaigns, texts."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Product:
    name: str
    topic: str
    # List price in NOK incl. installation; converted with Country.price_factor.
    price_nok: int
    business: bool = False


PRODUCTS = (
    Product("Nordlys Luft 9 air-to-air heat pump", "Heat pumps", 29_990),
    Product("Nordlys Luft 12 Arctic heat pump", "Heat pumps", 38_990),
    Product("Nordlys Vann 12 air-to-water heat pump", "Heat pumps", 149_000),
    Product("Nordlys Berg 16 ground-source heat pump", "Heat pumps", 239_000),
    Product("Solis 6 kW rooftop solar kit", "Solar", 119_000),
    Product("Solis 10 kW rooftop solar kit", "Solar", 169_000),
    Product("Lager 10 kWh home battery", "Batteries", 89_000),
    Product("Service agreement Basic", "Service", 1_990),
    Product("Service agreement Plus", "Service", 3_490),
    Product("Nordlys Pro 60 commercial heat pump", "Commercial heat pumps", 890_000, business=True),
    Product("Solis 100 kW commercial solar plant", "Commercial solar", 1_350_000, business=True),
    Product("Solar carport, 8 spaces", "Commercial solar", 640_000, business=True),
    Product("Energy monitoring for buildings (yearly)", "Energy monitoring", 24_000, business=True),
)
HOME_PRODUCTS = tuple(p for p in PRODUCTS if not p.business and p.topic != "Service")
BUSINESS_PRODUCTS = tuple(p for p in PRODUCTS if p.business)
SERVICE_PRODUCTS = tuple(p for p in PRODUCTS if p.topic == "Service")

TOPICS = (
    "Heat pumps", "Solar", "Batteries", "Subsidies", "Electricity prices", "Service", "Financing",
    "Installation", "Commercial heat pumps", "Commercial solar", "Energy monitoring", "Warranty",
)

# (path, page title, topic)
WEB_PAGES = (
    ("/", "Nordlys Varme – heat pumps and solar for Nordic homes", ""),
    ("/heat-pumps/", "Heat pumps", "Heat pumps"),
    ("/heat-pumps/luft-9/", "Nordlys Luft 9", "Heat pumps"),
    ("/heat-pumps/vann-12/", "Nordlys Vann 12", "Heat pumps"),
    ("/heat-pumps/berg-16/", "Nordlys Berg 16", "Heat pumps"),
    ("/solar/", "Solar panels", "Solar"),
    ("/solar/calculator/", "Solar savings calculator", "Solar"),
    ("/batteries/", "Home batteries", "Batteries"),
    ("/subsidies/", "Subsidies: Enova, ROT and energitilskud", "Subsidies"),
    ("/prices/", "Prices and financing", "Financing"),
    ("/business/", "For housing cooperatives and businesses", "Commercial heat pumps"),
    ("/business/references/", "Reference projects", "Commercial solar"),
    ("/service/", "Service and maintenance", "Service"),
    ("/support/faq/", "Frequently asked questions", "Service"),
    ("/contact/", "Contact us", ""),
    ("/about/", "About Nordlys Varme", ""),
)

# (title, topic)
ARTICLES = (
    ("How much can a heat pump save in a Norwegian winter?", "Heat pumps"),
    ("Air-to-water or ground source? A buyer's guide", "Heat pumps"),
    ("Seven things to check on your heat pump every autumn", "Service"),
    ("Solar north of 60°: does it pay off?", "Solar"),
    ("Enova, ROT-avdrag and energitilskud explained", "Subsidies"),
    ("Why electricity prices swing – and how a battery helps", "Electricity prices"),
    ("Case study: Fjordheim Borettslag cut heating costs by 42%", "Commercial heat pumps"),
    ("Case study: a Swedish hotel runs on sun and ground heat", "Commercial solar"),
    ("Financing a heat pump: loan, lease or pay up front?", "Financing"),
    ("What happens on installation day", "Installation"),
    ("Warranty and service: what is covered?", "Warranty"),
    ("Energy monitoring for housing cooperatives", "Energy monitoring"),
)

VIDEOS = (
    ("Installing a Nordlys Luft 9 in four minutes", "Installation"),
    ("How the Solis app shows your solar production", "Solar"),
    ("Cleaning the filter of your heat pump", "Service"),
)

# (title, topic)
WEBINARS = (
    ("Webinar: Solar + battery for housing cooperatives", "Commercial solar"),
    ("Webinar: Replacing an oil boiler before the ban", "Heat pumps"),
    ("Webinar: Subsidies in 2025 – Norway, Sweden and Denmark", "Subsidies"),
    ("Webinar: Energy monitoring that pays for itself", "Energy monitoring"),
    ("Webinar: Heat pumps at -25 °C – myths and facts", "Heat pumps"),
)

# Newsletter and campaign subjects; {month} is filled in with the month of sending.
NEWSLETTERS = (
    ("Nordlys Newsletter – {month}", ""),
    ("Autumn service check: book your visit now", "Service"),
    ("New: Nordlys Luft 12 Arctic for the coldest winters", "Heat pumps"),
    ("Spring offer: solar kit with free installation survey", "Solar"),
    ("Electricity prices are rising – here is what you can do", "Electricity prices"),
    ("Invitation: free webinar on subsidies", "Subsidies"),
)

PERSONAL_EMAIL_SUBJECTS = (
    ("Your quote for {product}", "quote"),
    ("Follow-up after our site survey", "follow_up"),
    ("Installation date for {product}", "installation"),
    ("Documents for your subsidy application", "subsidy"),
    ("Thank you for your order", "order"),
)

INBOUND_EMAIL_SUBJECTS = (
    "Question about {product}",
    "Re: Your quote for {product}",
    "Invoice question",
    "Can you move the service visit?",
    "Noise from the outdoor unit",
    "Subsidy paperwork",
)

CALL_OUTCOMES_SALES = ("Quote requested", "Site survey booked", "Call back later", "No answer", "Voicemail",
                       "Not interested now", "Order confirmed")
CALL_OUTCOMES_SERVICE = ("Resolved", "Technician booked", "Escalated to technical support", "Spare part ordered",
                         "Resolved", "Call back later")
IVR_OUTCOMES = ("Transferred to service", "Transferred to sales", "Self-service: opening hours",
                "Self-service: invoice status", "Abandoned in queue")
MEETING_OUTCOMES = ("Site survey done", "Quote to follow", "Decision expected next month", "Order signed",
                    "Needs board approval")

CALL_NOTES_SALES = (
    "Asked about {product} for a {house_m2} m² house heated with {heating}. Wants a price incl. installation.",
    "Compared {product} with a competitor's offer. Interested in financing over 5 years.",
    "Follow-up on the quote. Waiting for the {subsidy} decision before ordering.",
    "Wants a site survey; best days are Tuesdays after 15:00.",
    "Called about the spring offer from the newsletter. Sent details on {product}.",
)
CALL_NOTES_SERVICE = (
    "Outdoor unit iced up after a cold night. Walked through defrost settings; works again.",
    "Error code E7 on the indoor unit. Booked a technician for next week.",
    "Asked how to read solar production in the app. Sent the guide.",
    "Wants to upgrade to Service agreement Plus. Changed from next invoice.",
    "Noise from the fan at night. Technician to check the mounting.",
    "Invoice shows the wrong address; corrected and sent a new invoice.",
)
CHAT_TEXTS = (
    "Visitor asked whether {product} works at -25 °C. Shared the Arctic test results.",
    "Question about delivery time for {product}. Told them 3–4 weeks.",
    "Asked for the manual of their heat pump. Sent link to the PDF.",
    "Asked if the subsidy covers installation costs. Explained the rules for {country_name}.",
    "Wanted to change the date of the service visit. Moved to the following week.",
)
COMPLAINTS = (
    "Installation took two days longer than promised and nobody called.",
    "The heat pump is louder than the brochure said.",
    "Invoice charged the full price although the subsidy was agreed to be deducted.",
    "Technician did not show up for the booked service visit.",
    "Solar production is 20% below the estimate in the quote.",
)
INQUIRIES = (
    "Please send me a price for {product} for a {house_m2} m² house.",
    "We are a housing cooperative with {units} flats and want to replace our oil boiler.",
    "Can you install {product} before Christmas?",
    "Do you offer financing for {product}?",
    "Is our roof suitable for solar panels? It faces {roof}.",
)
SOCIAL_MESSAGES = (
    "Love the new Luft 12! Does it qualify for the subsidy?",
    "How long is the waiting list for installation in {city}?",
    "Our heat pump has worked perfectly for three winters now 👍",
    "Still waiting for someone to call me back about my quote…",
)
SMS_OUT = (
    "Nordlys Varme: your installation is booked for {date}. Reply YES to confirm.",
    "Nordlys Varme: time for the yearly service of your heat pump. Reply to book.",
    "Nordlys Varme: your technician is on the way and arrives within an hour.",
)
SMS_IN = ("YES", "Can we move it to the week after?", "Thanks!", "Please call me")
NOTES = (
    "Customer prefers email over phone. Decides together with partner.",
    "Good candidate for a battery next year – high evening consumption.",
    "Board meets first Monday of each month; send material a week before.",
    "Mentioned a neighbour who is also interested. Ask for a referral.",
    "Price sensitive; compare with last year's offer before calling.",
    "Asked us not to call during working hours.",
)
MEETING_SUBJECTS = (
    "Home survey for {product}",
    "Site survey: roof and fuse box",
    "Board presentation: energy plan",
    "Handover after installation",
    "Yearly review of the service agreement",
)
POST_LETTERS = (
    ("Warranty certificate for {product}", "Warranty"),
    ("Product catalogue 2025", ""),
    ("Invoice reminder", "Financing"),
    ("Christmas card", ""),
)
SURVEYS = (
    ("How satisfied are you with the installation?", "Installation"),
    ("How satisfied are you with our service?", "Service"),
    ("How likely are you to recommend Nordlys Varme?", ""),
)
KIOSK_EVENTS = ("Energy fair Lillestrøm", "Villamässan Göteborg", "Byggeri & Energi Herning", "Showroom Oslo")
SOCIAL_NETWORKS = ("Facebook", "Instagram", "LinkedIn")
PAYMENT_METHODS = ("invoice", "card", "Vipps", "Swish", "MobilePay", "bank transfer")
FAX_TEXTS = (
    "Purchase order received by fax: {product}, delivery to the boiler room.",
    "Signed order confirmation returned by fax.",
)
CONSENT_SOURCES = ("Website sign-up form", "Energy fair", "Order form", "Customer portal", "Phone call")

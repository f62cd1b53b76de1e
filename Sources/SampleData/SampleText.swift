/// Word lists for realistic text. Some entries carry what CSV and DynamoDB must get
/// right: commas, quotes, apostrophes, trailing spaces, accents, CJK and emoji.
enum SampleText {
    static let firstNames = [
        "James", "Mary", "Robert", "Patricia", "John", "Jennifer", "Michael", "Linda", "David", "Elizabeth",
        "William", "Barbara", "Richard", "Susan", "Joseph", "Jessica", "Thomas", "Sarah", "Carine ", "José",
        "Zoë", "François", "Søren", "Łukasz", "Chloé", "Renée", "Björn", "Dmitri", "Aoife", "Siobhán",
        "美咲", "陽翔", "Nguyễn Văn", "Ana María", "Jean-Luc", "D'Arcy", "Olúwaṣeun", "Priya", "Mohammed", "Wei",
    ]

    static let lastNames = [
        "Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez", "Martinez",
        "Hernández", "Lopez", "Gonzalez", "Wilson", "Anderson", "Thomas", "Taylor", "Moore", "Jackson", "Martin",
        "O'Brien", "Müller", "Schröder", "Lefèvre", "Dubois", "Kowalski", "Nowak", "Ødegård", "Çelik", "Yılmaz",
        "佐藤", "鈴木", "王", "Nguyễn", "Tremblay", "Gagnon", "Smith-Jones", "van der Berg", "de Castro", "MacLeod",
    ]

    static let companyWords = [
        "Acme", "Northwind", "Globex", "Initech", "Umbrella", "Stark", "Wayne", "Tyrell", "Cyberdyne", "Hooli",
        "Vandelay", "Soylent", "Wonka", "Gringotts", "Oceanic", "Aperture", "Massive Dynamic", "Blue Sun",
        "Bistro Café", "Zürich Logistik", "東京商事", "Société Générale de Fret",
    ]

    static let companySuffixes = [
        "Inc.", "Ltd.", "LLC", ", Co.", " & Sons", "GmbH", "S.A.", "Corp.", "Holdings, Inc.", "株式会社",
    ]

    static let streets = [
        "Main St", "Oak Ave", "Maple Dr", "Cedar Ln", "Elm St", "Pine Rd", "Lake Shore Blvd", "King St W",
        "Rue Sainte-Catherine", "Bahnhofstraße", "Avenida Paulista", "Calle de Alcalá", "Via Roma",
        "Strong St.", "Ingle Ln.", "Rue Royale", "ul. Floriańska", "銀座通り",
    ]

    static let unitLines = [
        "Apt 4B", "Suite 400", "Unit 12", "2nd Floor", "PO Box 118", "Bldg C, Door 3", "c/o \"Front Desk\"",
        "Étage 3", "3F",
    ]

    struct Place {
        let city: String
        let state: String?
        let country: String
        let postalPrefix: String
    }

    static let places: [Place] = [
        Place(city: "New York", state: "NY", country: "US", postalPrefix: "100"),
        Place(city: "Boston", state: "MA", country: "US", postalPrefix: "021"),
        Place(city: "San Francisco", state: "CA", country: "US", postalPrefix: "941"),
        Place(city: "Austin", state: "TX", country: "US", postalPrefix: "787"),
        Place(city: "Chicago", state: "IL", country: "US", postalPrefix: "606"),
        Place(city: "Seattle", state: "WA", country: "US", postalPrefix: "981"),
        Place(city: "Toronto", state: "ON", country: "CA", postalPrefix: "M5V "),
        Place(city: "Montréal", state: "QC", country: "CA", postalPrefix: "H2X "),
        Place(city: "Québec", state: "QC", country: "CA", postalPrefix: "G1R "),
        Place(city: "Vancouver", state: "BC", country: "CA", postalPrefix: "V6B "),
        Place(city: "Paris", state: nil, country: "FR", postalPrefix: "750"),
        Place(city: "Zürich", state: nil, country: "CH", postalPrefix: "80"),
        Place(city: "München", state: "BY", country: "DE", postalPrefix: "80"),
        Place(city: "São Paulo", state: "SP", country: "BR", postalPrefix: "01310-"),
        Place(city: "Kraków", state: nil, country: "PL", postalPrefix: "31-"),
        Place(city: "東京", state: "13", country: "JP", postalPrefix: "100-"),
        Place(city: "Madrid", state: nil, country: "ES", postalPrefix: "280"),
    ]

    static let emailDomains = ["example.com", "mail.example.net", "example.org", "correo.example.es"]

    static let notes = [
        "Prefers e-mail, not phone.",
        "VIP customer, handle with care",
        "Asked for \"paperless\" billing; confirmed 2x.",
        "Moved from legacy system.\nOld account: 4411-22.",
        "Dispute on March bill, resolved.\r\nCredit applied, see ticket #8812.",
        "Client préfère être contacté en français.",
        "お客様は日本語でのご連絡を希望。",
        "Loyal since 2009 🎉 — offer retention discount",
        "Don't call after 8pm, please",
        "Accessibility: large-print bills ♿",
        "Said: \"I'll pay, but not the late fee, okay?\"",
        "Business hours: Mon–Fri, 9–5",
        "",
        "   ",
        "Two lines\nthree lines\nfour, with, commas",
    ]

    static let chargeDescriptions: [String: [String]] = [
        "VOICE": [
            "Call to 416-555-0199, 12 min", "Local calls", "Long distance, Canada/US", "Llamada internacional — México",
            "Conference call (3 parties)", "通話料金",
        ],
        "DATA": [
            "Data usage 2.5 GB", "Data overage, 500 MB", "\"Unlimited\" weekend data", "📶 Data booster 5 GB",
            "Datenvolumen, Zusatzpaket", "Hotspot usage\nbilled separately",
        ],
        "SMS": ["Text messages", "SMS bundle, 100 msgs", "MMS picture message 📷", "Premium SMS \"Trivia\""],
        "ROAM": ["Roaming in São Paulo, BR", "Roaming: Zürich, CH", "国际漫游 日本", "Roaming day pass, EU"],
        "RECUR": ["Monthly plan fee", "Plan mensuel", "Monthly fee, prorated"],
        "EQUIP": ["Device installment 7/24", "SIM card", "Phone case, \"rugged\" edition", "Router rental"],
        "CREDIT": [
            "Loyalty credit", "Service credit, outage 2024-03-02", "Crédit de service — panne", "Goodwill credit\nper supervisor",
        ],
        "ACCTFEE": ["Account administration fee", "Paper bill fee"],
        "LATEFEE": ["Late payment fee", "Late fee, 30 days"],
    ]
}

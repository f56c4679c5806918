"""Invented-but-plausible name lists: children's given names, family names, adults' names.

Common first names and surnames are not personal data on their own; every combination the
generator makes is random, so no generated child is a real person.
"""

from __future__ import annotations

BOYS: tuple[str, ...] = (
    "Aaron", "Adam", "Aiden", "Ajay", "Alex", "Alfie", "Ali", "Amir", "Archie", "Arjun",
    "Arthur", "Ashton", "Ayaan", "Bailey", "Ben", "Billy", "Bobby", "Bradley", "Brandon",
    "Caleb", "Callum", "Cameron", "Charlie", "Christopher", "Cody", "Connor", "Corey", "Daniel",
    "Darius", "David", "Dexter", "Dominic", "Dylan", "Eddie", "Elijah", "Elliot", "Ellis",
    "Emmanuel", "Ethan", "Evan", "Ezra", "Felix", "Finley", "Frankie", "Freddie", "Gabriel",
    "George", "Hamza", "Harley", "Harrison", "Harry", "Harvey", "Hassan", "Henry", "Hugo",
    "Ibrahim", "Isaac", "Ismail", "Jack", "Jacob", "Jake", "James", "Jamie", "Jason", "Jay",
    "Jayden", "Joel", "Jonah", "Jordan", "Joseph", "Joshua", "Jude", "Kai", "Kayden", "Kieran",
    "Kian", "Kofi", "Kyle", "Leo", "Leon", "Lewis", "Liam", "Logan", "Louie", "Luca", "Lucas",
    "Luke", "Mason", "Matthew", "Max", "Michael", "Milo", "Mohammed", "Musa", "Nathan", "Noah",
    "Oliver", "Ollie", "Omar", "Oscar", "Owen", "Patrick", "Reece", "Reggie", "Rhys", "Riley",
    "Robert", "Ronnie", "Rory", "Ryan", "Sam", "Samuel", "Sebastian", "Sonny", "Stanley",
    "Teddy", "Theo", "Thomas", "Tobias", "Toby", "Tommy", "Tyler", "Usman", "Victor", "Vinnie",
    "William", "Yusuf", "Zachary", "Zain", "Zayn", "Aarav", "Bilal", "Caden", "Declan", "Dev",
    "Eli", "Finn", "Grayson", "Ibrahima", "Jaxon", "Kacper", "Lennon", "Marcel", "Nico", "Oakley",
    "Ravi", "Rocco", "Rowan", "Shay", "Tariq", "Tayo", "Wiktor", "Xavier", "Zakaria",
)  # fmt: skip

GIRLS: tuple[str, ...] = (
    "Abigail", "Ada", "Aisha", "Alice", "Alisha", "Amara", "Amber", "Amelia", "Amelie", "Amina",
    "Amy", "Anna", "Ava", "Ayesha", "Bella", "Bethany", "Bonnie", "Brooke", "Chloe", "Daisy",
    "Darcey", "Eden", "Edie", "Eleanor", "Elise", "Eliza", "Ella", "Ellie", "Elsie", "Emily",
    "Emma", "Erin", "Esme", "Eva", "Evelyn", "Evie", "Faith", "Fatima", "Florence", "Freya",
    "Georgia", "Grace", "Gracie", "Hafsa", "Hannah", "Harper", "Hollie", "Holly", "Imogen",
    "Isabel", "Isabella", "Isla", "Ivy", "Jasmine", "Jessica", "Julia", "Kayleigh", "Keira",
    "Khadija", "Lacey", "Layla", "Leah", "Lexi", "Lily", "Lola", "Lottie", "Lucy", "Luna",
    "Lydia", "Maddison", "Maisie", "Maryam", "Matilda", "Maya", "Megan", "Mia", "Mila", "Millie",
    "Molly", "Nadia", "Naomi", "Nell", "Niamh", "Nina", "Olivia", "Paige", "Phoebe", "Poppy",
    "Priya", "Rosa", "Rose", "Rosie", "Ruby", "Sadie", "Safa", "Sara", "Scarlett", "Sienna",
    "Skye", "Sofia", "Sophie", "Summer", "Tia", "Tilly", "Vanessa", "Violet", "Willow", "Yasmin",
    "Zara", "Zoe", "Zuzanna", "Aaliyah", "Ayla", "Beatrice", "Blessing", "Chanel", "Courtney",
    "Destiny", "Esther", "Gabriela", "Halima", "Hiba", "Iris", "Jade", "Kiera", "Lena", "Leila",
    "Maja", "Margot", "Mariam", "Martha", "Nancy", "Orla", "Penelope", "Precious", "Rahma",
    "Remi", "Riya", "Shannon", "Stella", "Tamara", "Thea", "Una", "Wiktoria", "Zainab", "Zoya",
)  # fmt: skip

SURNAMES: tuple[str, ...] = (
    "Abbott", "Adams", "Adeyemi", "Ahmed", "Akhtar", "Ali", "Allen", "Anderson", "Armstrong",
    "Ashworth", "Atkinson", "Bailey", "Baker", "Banks", "Barker", "Barnes", "Bates", "Begum",
    "Bell", "Bennett", "Bibi", "Bird", "Bishop", "Booth", "Bradley", "Brennan", "Brooks",
    "Brown", "Burgess", "Butler", "Campbell", "Carr", "Carter", "Chambers", "Chapman", "Chaudhry",
    "Clark", "Clarke", "Cole", "Collins", "Cook", "Cooper", "Cox", "Crossley", "Dale", "Davies",
    "Davis", "Dawson", "Dixon", "Dobson", "Doyle", "Duffy", "Edwards", "Ellis", "Evans", "Farrell",
    "Fisher", "Fletcher", "Ford", "Foster", "Fox", "Francis", "Gallagher", "Gibson", "Gill",
    "Goodwin", "Graham", "Grant", "Gray", "Green", "Griffiths", "Hall", "Hamilton", "Harper",
    "Harris", "Harrison", "Hart", "Hayes", "Henderson", "Hill", "Holmes", "Hopkins", "Howard",
    "Hughes", "Hunt", "Hussain", "Iqbal", "Jackson", "James", "Jenkins", "Johnson", "Johnston",
    "Jones", "Kaur", "Kelly", "Kennedy", "Khan", "King", "Knight", "Kowalski", "Lambert", "Lane",
    "Lawrence", "Lee", "Lewis", "Lloyd", "Lowe", "Macdonald", "Mahmood", "Malik", "Marshall",
    "Martin", "Mason", "Matthews", "Mensah", "Miller", "Mills", "Mitchell", "Moore", "Morgan",
    "Morris", "Murphy", "Murray", "Nawaz", "Nowak", "Nolan", "Nwosu", "Okafor", "Oliver",
    "Osei", "Owen", "Palmer", "Parker", "Parry", "Patel", "Pearson", "Perry", "Phillips",
    "Pickering", "Potter", "Powell", "Price", "Quinn", "Rahman", "Read", "Reid", "Reynolds",
    "Richards", "Richardson", "Riley", "Roberts", "Robinson", "Rogers", "Rose", "Ross", "Russell",
    "Ryan", "Saunders", "Scott", "Shah", "Sharma", "Sharp", "Shaw", "Simpson", "Singh", "Smith",
    "Spencer", "Stephenson", "Stevens", "Stewart", "Stone", "Sullivan", "Sutton", "Taylor",
    "Thomas", "Thompson", "Thomson", "Todd", "Turner", "Varga", "Walker", "Wallace", "Walsh",
    "Ward", "Warren", "Watson", "Webb", "Wells", "West", "White", "Wilkinson", "Williams",
    "Wilson", "Wood", "Woods", "Wright", "Yates", "Young", "Zielinski",
)  # fmt: skip

ADULTS: tuple[str, ...] = (
    "Alison", "Andrew", "Angela", "Anita", "Carol", "Claire", "Craig", "Dawn", "Deborah",
    "Gareth", "Gemma", "Helen", "Ian", "Jane", "Janet", "Joanne", "Julie", "Karen", "Kevin",
    "Lisa", "Mark", "Michelle", "Nadeem", "Neil", "Nicola", "Paul", "Rachel", "Rebecca",
    "Richard", "Sally", "Sarah", "Shabana", "Simon", "Stephen", "Susan", "Tracey", "Wendy",
)  # fmt: skip

STREET_STEMS: tuple[str, ...] = (
    "Alder", "Ashgrove", "Badger", "Beech", "Birchfield", "Blackthorn", "Bramble", "Brook",
    "Buttercup", "Canal", "Castle", "Cedar", "Chapel", "Cherry", "Church", "Clover", "Coniston",
    "Copper", "Cross", "Dale", "Dene", "Elm", "Fairfield", "Fern", "Field", "Forge", "Foxglove",
    "Garden", "Gorse", "Granary", "Hawthorn", "Hazel", "Heather", "Highfield", "Holly", "Kestrel",
    "Kiln", "Laburnum", "Larch", "Lark", "Lilac", "Linden", "Lister", "Maple", "Meadow", "Mill",
    "Moor", "Mulberry", "Nettle", "Oak", "Orchard", "Osprey", "Park", "Pinfold", "Poplar",
    "Primrose", "Quarry", "Railway", "Raven", "Rectory", "Riverside", "Rowan", "School",
    "Sedge", "Sorrel", "Spring", "Station", "Stoneleigh", "Sycamore", "Tannery", "Thistle",
    "Vicarage", "Victoria", "Weaver", "Wharf", "Willow", "Windmill", "Wren", "Yew",
)  # fmt: skip

STREET_SUFFIXES: tuple[str, ...] = (
    "Road", "Street", "Lane", "Avenue", "Close", "Drive", "Way", "Grove", "Crescent",
    "Terrace", "Gardens", "Court", "Place", "Rise", "View",
)  # fmt: skip

CHILD_VOICE: tuple[str, ...] = (
    "Child said they were scared when the shouting started.",
    "Child said this happens a lot when mum's partner has been drinking.",
    "Child was hiding upstairs and said they wanted it to stop.",
    "Child said they tried to help and got pushed out of the way.",
    "Child asked officers if they could stay at nan's tonight.",
    "Child said they do not want to go to school tomorrow.",
    "Child was crying and did not want to talk to officers.",
    "Child said dad breaks things when he is angry.",
    "Child said they look after the baby when it gets loud.",
    "Child said they were not hurt but were frightened.",
)

/**
 * The demo city: a Marseille-like commune of twenty quartiers, with their bureaux de vote (each
 * voting in a school), streets, and the shape of election day by mid-afternoon. The generator in
 * generate.ts turns this description into the voter file and the poll-check files of fixtures/demo.
 *
 * Supporter turnout by 15:30 is set per quartier. Most sit near the city's average; four popular
 * quartiers clearly lag (enough supporters that the z rule of `turnout status` flags them); Thiers
 * is low too but so small that the same rule does not: its shortfall may be chance.
 */

export interface Bureau {
  /** As the voter file writes it: "Bureau 101". */
  number: number;
  school: string;
}

export interface Quartier {
  name: string;
  zip: string;
  voters: number;
  /** Share of voters with support 1 or 2. */
  supporterShare: number;
  /** Supporters who have voted by 15:30; undefined: near the city average (drawn). */
  supporterTurnout?: number;
  /** Everyone else who has voted by 15:30; undefined: drawn near 40 %. */
  otherTurnout?: number;
  bureaux: Bureau[];
  streets: string[];
}

export const CITY = 'Marseille';

export const QUARTIERS: Quartier[] = [
  {
    name: 'Belsunce',
    zip: '13001',
    voters: 320,
    supporterShare: 0.46,
    supporterTurnout: 0.31,
    otherTurnout: 0.3,
    bureaux: [
      { number: 101, school: 'École élémentaire Korsec' },
      { number: 102, school: 'Groupe scolaire Bernard du Bois' },
    ],
    streets: ["Rue d'Aix", 'Cours Belsunce', 'Rue du Bon Pasteur', 'Rue des Petites Maries', 'Rue Nationale', 'Rue du Tapis Vert'],
  },
  {
    name: 'Noailles',
    zip: '13001',
    voters: 300,
    supporterShare: 0.45,
    supporterTurnout: 0.33,
    otherTurnout: 0.31,
    bureaux: [
      { number: 103, school: 'École élémentaire Saint-Charles' },
      { number: 104, school: 'École maternelle Estelle' },
    ],
    streets: ["Rue d'Aubagne", 'Rue Longue des Capucins', "Rue de l'Arc", 'Rue Moustier', 'Rue Estelle', 'Rue Jean Roque'],
  },
  {
    name: 'Thiers',
    zip: '13001',
    voters: 80,
    supporterShare: 0.38,
    supporterTurnout: 0.34,
    bureaux: [{ number: 105, school: 'Lycée Thiers (salle polyvalente)' }],
    streets: ['Rue Thiers', 'Rue Consolat', 'Rue Curiol', 'Rue Sénac de Meilhan'],
  },
  {
    name: 'Le Panier',
    zip: '13002',
    voters: 300,
    supporterShare: 0.42,
    bureaux: [
      { number: 201, school: 'École élémentaire des Accoules' },
      { number: 202, school: 'École maternelle du Refuge' },
    ],
    streets: ['Rue du Panier', 'Rue des Repentis', 'Montée des Accoules', 'Rue Caisserie', 'Rue du Refuge', 'Place de Lenche', 'Rue des Pistoles'],
  },
  {
    name: 'La Joliette',
    zip: '13002',
    voters: 220,
    supporterShare: 0.36,
    bureaux: [{ number: 203, school: 'École élémentaire Jean-Jacques Rousseau' }],
    streets: ['Rue de la République', 'Boulevard des Dames', 'Rue Mazenod', 'Rue de Forbin', 'Place de la Joliette'],
  },
  {
    name: 'La Belle de Mai',
    zip: '13003',
    voters: 340,
    supporterShare: 0.47,
    supporterTurnout: 0.32,
    otherTurnout: 0.3,
    bureaux: [
      { number: 301, school: 'École élémentaire Belle de Mai' },
      { number: 302, school: 'Groupe scolaire Jobin' },
    ],
    streets: ['Rue Belle de Mai', 'Boulevard Boues', 'Rue Jobin', 'Rue Loubon', 'Rue Clovis Hugues', 'Rue Bernard'],
  },
  {
    name: 'Saint-Mauront',
    zip: '13003',
    voters: 260,
    supporterShare: 0.45,
    supporterTurnout: 0.3,
    otherTurnout: 0.29,
    bureaux: [{ number: 303, school: 'École élémentaire Félix Pyat' }],
    streets: ['Rue Félix Pyat', 'Boulevard National', 'Rue Guichard', 'Rue de Crimée', 'Rue Auphan'],
  },
  {
    name: 'Cinq-Avenues',
    zip: '13004',
    voters: 280,
    supporterShare: 0.38,
    bureaux: [
      { number: 401, school: 'École élémentaire Bénédit' },
      { number: 402, school: 'École maternelle Boisson' },
    ],
    streets: ['Avenue du Maréchal Foch', 'Boulevard Philippon', 'Rue Bénédit', 'Boulevard Boisson', 'Rue Auguste Blanqui'],
  },
  {
    name: 'Les Chartreux',
    zip: '13004',
    voters: 260,
    supporterShare: 0.4,
    bureaux: [{ number: 403, school: 'École élémentaire Chartreux' }],
    streets: ['Avenue des Chartreux', 'Rue Cavaignac', 'Rue Jean Martin', 'Place Edmond Audran', 'Boulevard Pardigon'],
  },
  {
    name: 'La Plaine',
    zip: '13005',
    voters: 330,
    supporterShare: 0.48,
    bureaux: [
      { number: 501, school: 'École élémentaire Ferdinand Rey' },
      { number: 502, school: 'École maternelle Saint-Michel' },
    ],
    streets: ['Rue Saint-Michel', 'Rue des Trois Mages', 'Rue Ferdinand Rey', 'Rue de la Bibliothèque', 'Rue Sibié', 'Place Jean-Jaurès'],
  },
  {
    name: 'Le Camas',
    zip: '13005',
    voters: 240,
    supporterShare: 0.41,
    bureaux: [{ number: 503, school: "École élémentaire Abbé de l'Épée" }],
    streets: ['Rue Saint-Pierre', 'Rue du Camas', 'Rue Goudard', 'Rue Ferrari', "Rue de l'Abbé de l'Épée"],
  },
  {
    name: 'Castellane',
    zip: '13006',
    voters: 270,
    supporterShare: 0.33,
    bureaux: [
      { number: 601, school: 'École élémentaire Rue de Rome' },
      { number: 602, school: 'École maternelle Dragon' },
    ],
    streets: ['Rue de Rome', 'Rue Edmond Rostand', 'Rue Dragon', 'Boulevard Baille', 'Rue Sylvabelle'],
  },
  {
    name: 'Vauban',
    zip: '13006',
    voters: 240,
    supporterShare: 0.34,
    bureaux: [{ number: 603, school: 'École élémentaire Vauban' }],
    streets: ['Boulevard Vauban', 'Rue Vauvenargues', 'Rue Fort du Sanctuaire', 'Rue Roux de Brignoles', 'Boulevard Notre-Dame'],
  },
  {
    name: 'Saint-Victor',
    zip: '13007',
    voters: 200,
    supporterShare: 0.36,
    bureaux: [{ number: 701, school: 'École élémentaire de la Corderie' }],
    streets: ['Rue Sainte', 'Boulevard de la Corderie', 'Rue Neuve Sainte-Catherine', 'Rue Fort Notre-Dame', 'Rue Plan Fourmiguier'],
  },
  {
    name: 'Endoume',
    zip: '13007',
    voters: 260,
    supporterShare: 0.37,
    bureaux: [
      { number: 702, school: "École élémentaire d'Endoume" },
      { number: 703, school: 'École maternelle Rigord' },
    ],
    streets: ["Rue d'Endoume", 'Rue Rigord', 'Rue Chateaubriand', 'Rue Paul Codaccioni', 'Vallon des Auffes'],
  },
  {
    name: 'Bompard',
    zip: '13007',
    voters: 150,
    supporterShare: 0.3,
    bureaux: [{ number: 704, school: 'École élémentaire Bompard' }],
    streets: ['Boulevard Bompard', 'Chemin du Roucas Blanc', 'Traverse de la Marne', 'Impasse du Génie'],
  },
  {
    name: 'Le Rouet',
    zip: '13008',
    voters: 230,
    supporterShare: 0.39,
    bureaux: [{ number: 801, school: 'École élémentaire du Rouet' }],
    streets: ['Rue du Rouet', 'Boulevard Rabatau', 'Rue Liandier', 'Rue Borde', 'Rue Sainte-Cécile'],
  },
  {
    name: 'Périer',
    zip: '13008',
    voters: 250,
    supporterShare: 0.31,
    bureaux: [
      { number: 802, school: 'École élémentaire Périer' },
      { number: 803, school: 'École maternelle Delanglade' },
    ],
    streets: ['Boulevard Périer', 'Avenue du Prado', 'Rue Negresko', 'Rue Édouard Delanglade', 'Rue Jules Moulet'],
  },
  {
    name: 'Sainte-Anne',
    zip: '13008',
    voters: 220,
    supporterShare: 0.35,
    bureaux: [{ number: 804, school: 'École élémentaire Sainte-Anne' }],
    streets: ['Boulevard Sainte-Anne', 'Traverse Prat', 'Boulevard Luce', 'Rue Callelongue', 'Chemin du Lancier'],
  },
  {
    name: 'Mazargues',
    zip: '13009',
    voters: 260,
    supporterShare: 0.37,
    bureaux: [
      { number: 901, school: 'École élémentaire Mazargues' },
      { number: 902, school: 'École maternelle de la Concorde' },
    ],
    streets: ['Avenue de Mazargues', 'Place Robespierre', 'Rue Émile Zola', 'Boulevard de la Concorde', 'Traverse de la Gouffonne'],
  },
];

/** The quartiers the data is built to show as under-mobilized, and the one that is low but too small. */
export const LAGGING = ['Belsunce', 'Noailles', 'La Belle de Mai', 'Saint-Mauront'] as const;
export const SMALL_AND_LOW = 'Thiers';

export const FEMALE_FIRST_NAMES = [
  'Marie', 'Nathalie', 'Isabelle', 'Sylvie', 'Catherine', 'Françoise', 'Christine', 'Monique', 'Hélène', 'Sophie',
  'Céline', 'Julie', 'Aurélie', 'Camille', 'Léa', 'Chloé', 'Manon', 'Inès', 'Sarah', 'Yasmina',
  'Fatima', 'Nadia', 'Samira', 'Leïla', 'Karima', 'Anaïs', 'Mélanie', 'Émilie', 'Gaëlle', 'Zoé',
  'Josiane', 'Marcelle', 'Odette', 'Paulette', 'Rose', 'Lucie', 'Anna', 'Aïcha', 'Mariam', 'Naïma',
  'Sandrine', 'Valérie', 'Patricia', 'Laetitia', 'Audrey', 'Elsa', 'Margaux', 'Jeanne', 'Alice', 'Maëlys',
];

export const MALE_FIRST_NAMES = [
  'Jean', 'Pierre', 'Michel', 'André', 'Philippe', 'Alain', 'Bernard', 'Jacques', 'Christian', 'Patrick',
  'Frédéric', 'Jérôme', 'Stéphane', 'Sébastien', 'Nicolas', 'Julien', 'Thomas', 'Lucas', 'Hugo', 'Théo',
  'Mohamed', 'Karim', 'Rachid', 'Mehdi', 'Nassim', 'Yassine', 'Bilal', 'Saïd', 'Ahmed', 'Youssef',
  'Raphaël', 'Noël', 'Loïc', 'Joël', 'Gérard', 'René', 'Marcel', 'Antoine', 'Vincent', 'Laurent',
  'Ange', 'Dominique', 'Marius', 'Fabien', 'Grégory', 'Cédric', 'Kévin', 'Anthony', 'Hakim', 'Ibrahim',
];

export const LAST_NAMES = [
  'Martin', 'Bernard', 'Giraud', 'Roux', 'Fabre', 'Blanc', 'Garcia', 'Martinez', 'Lopez', 'Sanchez',
  'Benali', 'Haddad', 'Bouzid', 'Mansour', 'Amrani', 'Saïdi', 'Khelifi', 'Ben Ahmed', 'Belkacem', 'Bensaïd',
  'Papazian', 'Der Sarkissian', 'Manoukian', 'Kévorkian', 'Agopian', 'Santoni', 'Paoli', 'Orsini', 'Mattei', 'Ferracci',
  'Esposito', 'Russo', 'Romano', 'Colombo', 'Caruso', 'Pellegrino', 'Moussa', 'Soilihi', 'Said Omar', 'Mohamed',
  'Nguyen', 'Tran', 'Lefèvre', 'Mercier', 'Dupont', 'Durand', 'Moreau', 'Lambert', 'Bonnet', 'François',
  'Chevalier', 'Gauthier', 'Régnier', 'Barthélémy', 'Rouvière', "D'Angelo", "N'Diaye", 'Diallo', 'Traoré', 'Camara',
  'Fernandez', 'Gonzalez', 'Perez', 'Rodriguez', 'Sauvage', 'Arnaud', 'Michel', 'Guérin', 'Rey', 'Olive',
  'Castellani', 'Marchetti', 'Lucciardi', 'Pinto', 'Da Silva', 'Ferreira', 'Hamidou', 'Chérif', 'Boyer', 'Féraud',
];

/** Volunteers who walk the streets; each street has its own (or nobody yet). */
export const CANVASSERS = ['Sophie M.', 'Karim B.', 'Hélène R.', 'Théo G.', 'Nadia K.', 'Marc-Antoine P.', 'Zoé L.', 'Rachid A.', 'Josiane F.', 'Lucas D.'];

export const EMAIL_DOMAINS: ReadonlyArray<readonly [string, number]> = [
  ['gmail.com', 45],
  ['orange.fr', 15],
  ['free.fr', 10],
  ['hotmail.fr', 10],
  ['laposte.net', 6],
  ['yahoo.fr', 6],
  ['sfr.fr', 5],
  ['outlook.fr', 3],
];

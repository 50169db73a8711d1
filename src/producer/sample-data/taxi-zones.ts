/**
 * Taxi zones of the NYC Taxi & Limousine Commission: LocationID, borough and zone exactly as in
 * the TLC's `taxi_zone_lookup.csv`. A subset (the busy zones of every borough, all three
 * airports) with a weight per zone, roughly the share of yellow-cab pickups there: Manhattan
 * below 96th Street carries most of them, JFK and LaGuardia come next, the outer boroughs little.
 */

export type Borough = 'Manhattan' | 'Brooklyn' | 'Queens' | 'Bronx' | 'Staten Island' | 'EWR' | 'Unknown'

/** The TLC's `service_zone`: where yellow cabs may pick up, and the congestion-surcharge area. */
export type ServiceZone = 'Yellow Zone' | 'Boro Zone' | 'Airports' | 'EWR' | 'N/A'

export interface TaxiZone {
  locationId: number
  borough: Borough
  zone: string
  serviceZone: ServiceZone
  /** Relative share of pickups. */
  pickupWeight: number
  /** Relative share of drop-offs. */
  dropoffWeight: number
}

type Row = [id: number, zone: string, pickups: number, dropoffs?: number]

// Manhattan: `Yellow Zone` rows first (south of 96th Street), then `Boro Zone` ones.
const MANHATTAN_YELLOW: Row[] = [
  [237, 'Upper East Side South', 100],
  [161, 'Midtown Center', 95],
  [236, 'Upper East Side North', 90],
  [162, 'Midtown East', 75],
  [230, 'Times Sq/Theatre District', 70],
  [186, 'Penn Station/Madison Sq West', 70],
  [142, 'Lincoln Square East', 65],
  [170, 'Murray Hill', 60],
  [163, 'Midtown North', 60],
  [239, 'Upper West Side South', 60],
  [48, 'Clinton East', 55],
  [234, 'Union Sq', 55],
  [68, 'East Chelsea', 55],
  [141, 'Lenox Hill West', 55],
  [79, 'East Village', 50],
  [107, 'Gramercy', 50],
  [140, 'Lenox Hill East', 45],
  [164, 'Midtown South', 45],
  [263, 'Yorkville West', 45],
  [238, 'Upper West Side North', 40],
  [249, 'West Village', 40],
  [100, 'Garment District', 40],
  [90, 'Flatiron', 40],
  [113, 'Greenwich Village North', 35],
  [114, 'Greenwich Village South', 30],
  [148, 'Lower East Side', 30],
  [158, 'Meatpacking/West Village West', 30],
  [246, 'West Chelsea/Hudson Yards', 30],
  [50, 'Clinton West', 30],
  [229, 'Sutton Place/Turtle Bay North', 30],
  [233, 'UN/Turtle Bay South', 30],
  [137, 'Kips Bay', 30],
  [43, 'Central Park', 25],
  [262, 'Yorkville East', 25],
  [231, 'TriBeCa/Civic Center', 25],
  [211, 'SoHo', 20],
  [87, 'Financial District North', 20],
  [143, 'Lincoln Square West', 20],
  [125, 'Hudson Sq', 15],
  [144, 'Little Italy/NoLiTa', 15],
  [261, 'World Trade Center', 12],
  [13, 'Battery Park City', 10],
  [88, 'Financial District South', 10],
  [224, 'Stuy Town/Peter Cooper Village', 10],
  [151, 'Manhattan Valley', 10],
  [209, 'Seaport', 8],
  [4, 'Alphabet City', 8],
  [45, 'Chinatown', 6],
  [24, 'Bloomingdale', 6],
  [12, 'Battery Park', 3],
  [232, 'Two Bridges/Seward Park', 3],
  [194, 'Randalls Island', 0.5],
]
const MANHATTAN_BORO: Row[] = [
  [166, 'Morningside Heights', 8],
  [41, 'Central Harlem', 6],
  [74, 'East Harlem North', 6],
  [75, 'East Harlem South', 20],
  [42, 'Central Harlem North', 4],
  [116, 'Hamilton Heights', 3],
  [152, 'Manhattanville', 3],
  [244, 'Washington Heights South', 2],
  [243, 'Washington Heights North', 1],
  [127, 'Inwood', 1],
  [202, 'Roosevelt Island', 0.5],
]
const QUEENS: Row[] = [
  [7, 'Astoria', 3],
  [145, 'Long Island City/Hunters Point', 2],
  [70, 'East Elmhurst', 1.5],
  [129, 'Jackson Heights', 1.5],
  [146, 'Long Island City/Queens Plaza', 1.5],
  [260, 'Woodside', 1],
  [223, 'Steinway', 1],
  [226, 'Sunnyside', 1],
  [95, 'Forest Hills', 1],
  [82, 'Elmhurst', 1],
  [179, 'Old Astoria', 0.8],
  [193, 'Queensbridge/Ravenswood', 0.8],
  [92, 'Flushing', 0.8],
  [130, 'Jamaica', 0.8],
  [93, 'Flushing Meadows-Corona Park', 0.5],
]
const BROOKLYN: Row[] = [
  [65, 'Downtown Brooklyn/MetroTech', 2],
  [255, 'Williamsburg (North Side)', 2],
  [66, 'DUMBO/Vinegar Hill', 1.5],
  [33, 'Brooklyn Heights', 1.5],
  [181, 'Park Slope', 1.5],
  [256, 'Williamsburg (South Side)', 1.5],
  [112, 'Greenpoint', 1.5],
  [97, 'Fort Greene', 1.2],
  [25, 'Boerum Hill', 1],
  [40, 'Carroll Gardens', 1],
  [49, 'Clinton Hill', 1],
  [61, 'Crown Heights North', 1],
  [17, 'Bedford', 0.8],
  [80, 'East Williamsburg', 0.8],
  [189, 'Prospect Heights', 0.8],
  [106, 'Gowanus', 0.6],
  [36, 'Bushwick North', 0.6],
  [37, 'Bushwick South', 0.6],
  [14, 'Bay Ridge', 0.4],
]
const BRONX: Row[] = [
  [168, 'Mott Haven/Port Morris', 0.8],
  [247, 'West Concourse', 0.5],
  [69, 'East Concourse/Concourse Village', 0.4],
  [159, 'Melrose South', 0.3],
  [126, 'Hunts Point', 0.3],
  [18, 'Bedford Park', 0.3],
  [20, 'Belmont', 0.3],
  [94, 'Fordham South', 0.3],
  [119, 'Highbridge', 0.3],
  [235, 'University Heights/Morris Heights', 0.3],
  [167, 'Morrisania/Melrose', 0.3],
  [213, 'Soundview/Castle Hill', 0.3],
  [51, 'Co-Op City', 0.2],
]
const STATEN_ISLAND: Row[] = [
  [206, 'Saint George/New Brighton', 0.2],
  [221, 'Stapleton', 0.1],
  [245, 'West Brighton', 0.1],
  [115, 'Grymes Hill/Clifton', 0.1],
  [214, 'South Beach/Dongan Hills', 0.1],
]

/** Outer-borough rides mostly end where people live: drop-offs there weigh three times their pickups. */
const HOME_FACTOR = 3

const rows = (borough: Borough, serviceZone: ServiceZone, list: Row[], dropoffFactor = 1): TaxiZone[] =>
  list.map(([locationId, zone, pickups, dropoffs]) => ({
    locationId,
    borough,
    zone,
    serviceZone,
    pickupWeight: pickups,
    dropoffWeight: dropoffs ?? pickups * dropoffFactor,
  }))

/** The zones trips start and end in, by LocationID. */
export const TAXI_ZONES: readonly TaxiZone[] = [
  ...rows('Manhattan', 'Yellow Zone', MANHATTAN_YELLOW),
  ...rows('Manhattan', 'Boro Zone', MANHATTAN_BORO, 1.5),
  ...rows('Queens', 'Airports', [
    [132, 'JFK Airport', 85, 30],
    [138, 'LaGuardia Airport', 60, 35],
  ]),
  // Yellow cabs drop off at Newark (rate code 3) but seldom pick up there.
  ...rows('EWR', 'EWR', [[1, 'Newark Airport', 0.1, 6]]),
  ...rows('Queens', 'Boro Zone', QUEENS, HOME_FACTOR),
  ...rows('Brooklyn', 'Boro Zone', BROOKLYN, HOME_FACTOR),
  ...rows('Bronx', 'Boro Zone', BRONX, HOME_FACTOR),
  ...rows('Staten Island', 'Boro Zone', STATEN_ISLAND, HOME_FACTOR),
].sort((a, b) => a.locationId - b.locationId)

/**
 * The TLC's two catch-all LocationIDs: 264 (`Unknown`/`NV`) when the meter had no position, 265
 * (`Outside of NYC`). Real feeds carry them; no trip generated here uses them unless it is flawed.
 */
export const UNKNOWN_ZONES: readonly TaxiZone[] = [
  { locationId: 264, borough: 'Unknown', zone: 'NV', serviceZone: 'N/A', pickupWeight: 0, dropoffWeight: 0 },
  { locationId: 265, borough: 'Unknown', zone: 'NA', serviceZone: 'N/A', pickupWeight: 0, dropoffWeight: 0 },
]

const BY_ID = new Map(TAXI_ZONES.map((z) => [z.locationId, z]))

/** The zone with that LocationID, when it is one of {@link TAXI_ZONES}. */
export function taxiZone(locationId: number): TaxiZone | undefined {
  return BY_ID.get(locationId)
}

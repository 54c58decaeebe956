import { desiredReplicas, type DesiredReplicas } from '../../dev/hpa.js';

describe('desiredReplicas: ceil(value / threshold) within the ScaledObject bounds', () => {
  it.each<[number, number, boolean, number, number, DesiredReplicas]>([
    // value, threshold, active, min, max -> expected
    [17, 10, true, 1, 4, { replicas: 2, wanted: 2, by: 'ratio' }],
    [20, 10, true, 1, 4, { replicas: 2, wanted: 2, by: 'ratio' }],
    [20.001, 10, true, 1, 4, { replicas: 3, wanted: 3, by: 'ratio' }],
    [40, 10, true, 1, 4, { replicas: 4, wanted: 4, by: 'ratio' }],
    [75, 10, true, 1, 4, { replicas: 4, wanted: 8, by: 'max' }],
    [0, 10, false, 1, 4, { replicas: 1, wanted: 0, by: 'min' }],
    [3, 10, true, 2, 4, { replicas: 2, wanted: 1, by: 'min' }],
    [12.5, 2.5, true, 1, 10, { replicas: 5, wanted: 5, by: 'ratio' }],
    // Milli-units as the HPA computes: floating point would say 11.000000000000002 -> 12.
    [1.1, 0.1, true, 1, 20, { replicas: 11, wanted: 11, by: 'ratio' }],
    [0.3, 0.1, true, 1, 20, { replicas: 3, wanted: 3, by: 'ratio' }],
  ])('value %p, threshold %p, active %p, %p..%p', (value, threshold, active, min, max, expected) => {
    expect(desiredReplicas(value, threshold, active, { min, max })).toEqual(expected);
  });
});

describe('desiredReplicas: scale to zero only when KEDA may (min 0 and inactive)', () => {
  it.each<[number, boolean, number, DesiredReplicas]>([
    [0, false, 0, { replicas: 0, wanted: 0, by: 'inactive' }],
    [0, true, 0, { replicas: 1, wanted: 0, by: 'min' }],
    [5, true, 0, { replicas: 1, wanted: 1, by: 'ratio' }],
    [0, false, 1, { replicas: 1, wanted: 0, by: 'min' }],
  ])('value %p, active %p, min %p', (value, active, min, expected) => {
    expect(desiredReplicas(value, 10, active, { min, max: 4 })).toEqual(expected);
  });
});

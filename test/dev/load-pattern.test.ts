import { loadAt } from '../../dev/load-pattern.js';
import type { Pattern } from '../../schemas/dev-options.js';

describe('loadAt', () => {
  it.each<[Pattern, number, number, number, { waiting: number; running: number; reachable: boolean }]>([
    ['steady', 15, 0, 3, { waiting: 3, running: 8, reachable: true }],
    ['steady', 15, 1, 3, { waiting: 4, running: 8, reachable: true }],
    ['burst', 15, 0, 3, { waiting: 20, running: 16, reachable: true }],
    ['idle', 15, 0, 3, { waiting: 0, running: 0, reachable: true }],
    ['cycle', 15, 0, 3, { waiting: 3, running: 8, reachable: true }],
    ['cycle', 45, 0, 3, { waiting: 20, running: 16, reachable: true }],
    ['cycle', 85, 0, 3, { waiting: 0, running: 0, reachable: true }],
    ['cycle', 125, 0, 3, { waiting: 3, running: 8, reachable: true }],
    ['steady', 5, 2, 3, { waiting: 5, running: 8, reachable: false }],
    ['steady', 65, 2, 3, { waiting: 5, running: 8, reachable: false }],
    ['steady', 5, 1, 3, { waiting: 4, running: 8, reachable: true }],
    ['steady', 5, 0, 1, { waiting: 3, running: 8, reachable: true }],
  ])('%s at %is, replica %i of %i', (pattern, seconds, replica, replicas, expected) => {
    expect(loadAt(pattern, seconds, replica, replicas)).toEqual(expected);
  });
});

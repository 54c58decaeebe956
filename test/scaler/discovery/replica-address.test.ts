import { replicaKey } from '../../../scaler/discovery/replica-address.js';

describe('replicaKey: one name per replica endpoint', () => {
  it.each<[string, string | undefined]>([
    ['127.0.0.1:19001', 'localhost:19001'],
    ['127.0.0.01:19001', 'localhost:19001'],
    ['localhost:19001', 'localhost:19001'],
    ['LOCALHOST.:19001', 'localhost:19001'],
    ['[::ffff:127.0.0.1]:19001', 'localhost:19001'],
    ['[::1]:19001', 'localhost:19001'],
    ['[0:0:0:0:0:0:0:1]:19001', 'localhost:19001'],
    ['0x7f.1:19001', 'localhost:19001'],
    ['2130706433:19001', 'localhost:19001'],
    ['127.0.0.2:19001', '127.0.0.2:19001'],
    ['[::ffff:10.1.2.3]:9000', '10.1.2.3:9000'],
    ['10.1.2.3:9000', '10.1.2.3:9000'],
    ['[2001:DB8:0:0::1]:9000', '[2001:db8::1]:9000'],
    ['Replica.Example:80', 'replica.example:80'],
    ['replica.example.:80', 'replica.example:80'],
    ['replica.example:8080', 'replica.example:8080'],
    ['[:::]:1', undefined],
  ])('%s -> %s', (address, key) => {
    expect(replicaKey(address)).toBe(key);
  });
});

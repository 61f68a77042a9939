// The byte layouts user space assumes, against what clang laid out (the BPF
// object's BTF, read with bpftool).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bpfObjectPath } from '../../core/bpf/paths';
import { run } from '../../test/support/exec';
import { EVENT_SIZE, FUNC_CFG_SIZE, PROC_CFG_SIZE, VALUE_CFG_SIZE, VALUE_DATA_SIZE } from './layout';

test('func-trace struct sizes match the BTF of func_trace.bpf.o', () => {
  const btf = run('bpftool', ['btf', 'dump', 'file', bpfObjectPath('func_trace'), 'format', 'raw']);
  const size = (name: string): number => Number(new RegExp(`STRUCT '${name}' size=(\\d+)`).exec(btf)![1]);
  assert.equal(size('ft_event'), EVENT_SIZE);
  assert.equal(size('ft_func_cfg'), FUNC_CFG_SIZE);
  assert.equal(size('ft_proc_cfg'), PROC_CFG_SIZE);
  assert.equal(size('ft_value_cfg'), VALUE_CFG_SIZE);
  assert.equal(size('ft_value_data'), VALUE_DATA_SIZE);
});

import { describe, expect, it, vi } from 'vitest';
import { RECORDING_PORT_CHANNEL, RECORDING_PORT_MESSAGE } from '@common/ipc-channels';
import { forwardRecordingPorts, type PortMessageEvent, type PortWindow } from './recording-port';

function setup() {
  let listener: (event: PortMessageEvent) => void = () => undefined;
  const win: PortWindow = {
    location: { origin: 'app://rotorscribe' },
    addEventListener: (_type, l) => void (listener = l),
  };
  const postMessage = vi.fn();
  forwardRecordingPorts(win, { postMessage });
  const port = { fake: 'port' };
  const send = (over: Partial<PortMessageEvent>) =>
    listener({
      source: win,
      origin: 'app://rotorscribe',
      data: { type: RECORDING_PORT_MESSAGE, id: 'rec-1' },
      ports: [port],
      ...over,
    });
  return { send, postMessage, port };
}

describe('recording port forwarding (preload)', () => {
  it("hands our page's port to main on the recording channel, with the recording id only", () => {
    const t = setup();
    t.send({});
    expect(t.postMessage).toHaveBeenCalledWith(RECORDING_PORT_CHANNEL, { id: 'rec-1' }, [t.port]);
  });

  it('ignores other frames, other origins, other messages, bad ids and a wrong number of ports', () => {
    const t = setup();
    t.send({ source: {} });
    t.send({ origin: 'https://evil.example' });
    t.send({ data: { type: 'something-else', id: 'rec-1' } });
    t.send({ data: { type: RECORDING_PORT_MESSAGE, id: 7 } });
    t.send({ data: { type: RECORDING_PORT_MESSAGE, id: 'x'.repeat(101) } });
    t.send({ data: null });
    t.send({ ports: [] });
    t.send({ ports: [t.port, t.port] });
    expect(t.postMessage).not.toHaveBeenCalled();
  });
});

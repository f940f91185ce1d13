import * as $protobuf from "protobufjs";
import Long = require("long");

export namespace pitwall {

    namespace v1 {

        interface ITelemetryBatch extends pitwall.v1.TelemetryBatch.$Properties {
        }

        class TelemetryBatch {
            constructor(p?: pitwall.v1.TelemetryBatch.$Properties);
            $unknowns?: Uint8Array[];
            vin: string;
            seq: number;
            baseTimeUs: number;
            can: pitwall.v1.CanBlock.$Properties[];
            obd: pitwall.v1.ObdResponse.$Properties[];
            dtc: pitwall.v1.DtcRecord.$Properties[];
            gnss: pitwall.v1.GnssFix.$Properties[];
            signals?: (pitwall.v1.SignalBlock.$Properties|null);
            firmware: string;
            static create(properties: pitwall.v1.TelemetryBatch.$Shape): pitwall.v1.TelemetryBatch & pitwall.v1.TelemetryBatch.$Shape;
            static create(properties?: pitwall.v1.TelemetryBatch.$Properties): pitwall.v1.TelemetryBatch;
            static encode(m: pitwall.v1.TelemetryBatch.$Properties, w?: $protobuf.Writer): $protobuf.Writer;
            static encodeDelimited(message: pitwall.v1.TelemetryBatch.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;
            static decode(r: ($protobuf.Reader|Uint8Array), l?: number): pitwall.v1.TelemetryBatch & pitwall.v1.TelemetryBatch.$Shape;
            static decodeDelimited(reader: ($protobuf.Reader|Uint8Array)): pitwall.v1.TelemetryBatch & pitwall.v1.TelemetryBatch.$Shape;
            static verify(m: { [k: string]: any }): (string|null);
            static fromObject(d: { [k: string]: any }): pitwall.v1.TelemetryBatch;
            static toObject(m: pitwall.v1.TelemetryBatch, o?: $protobuf.IConversionOptions): { [k: string]: any };
            toJSON(): { [k: string]: any };
            static getTypeUrl(prefix?: string): string;
        }

        namespace TelemetryBatch {
            interface $Properties {
                vin?: (string|null);
                seq?: (number|null);
                baseTimeUs?: (number|null);
                can?: (pitwall.v1.CanBlock.$Properties[]|null);
                obd?: (pitwall.v1.ObdResponse.$Properties[]|null);
                dtc?: (pitwall.v1.DtcRecord.$Properties[]|null);
                gnss?: (pitwall.v1.GnssFix.$Properties[]|null);
                signals?: (pitwall.v1.SignalBlock.$Properties|null);
                firmware?: (string|null);
                $unknowns?: Uint8Array[];
            }
            type $Shape = pitwall.v1.TelemetryBatch.$Properties;
        }

        interface ICanBlock extends pitwall.v1.CanBlock.$Properties {
        }

        class CanBlock {
            constructor(p?: pitwall.v1.CanBlock.$Properties);
            $unknowns?: Uint8Array[];
            bus: number;
            dtUs: number[];
            id: number[];
            len: number[];
            data: Uint8Array;
            flags: number[];
            static create(properties: pitwall.v1.CanBlock.$Shape): pitwall.v1.CanBlock & pitwall.v1.CanBlock.$Shape;
            static create(properties?: pitwall.v1.CanBlock.$Properties): pitwall.v1.CanBlock;
            static encode(m: pitwall.v1.CanBlock.$Properties, w?: $protobuf.Writer): $protobuf.Writer;
            static encodeDelimited(message: pitwall.v1.CanBlock.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;
            static decode(r: ($protobuf.Reader|Uint8Array), l?: number): pitwall.v1.CanBlock & pitwall.v1.CanBlock.$Shape;
            static decodeDelimited(reader: ($protobuf.Reader|Uint8Array)): pitwall.v1.CanBlock & pitwall.v1.CanBlock.$Shape;
            static verify(m: { [k: string]: any }): (string|null);
            static fromObject(d: { [k: string]: any }): pitwall.v1.CanBlock;
            static toObject(m: pitwall.v1.CanBlock, o?: $protobuf.IConversionOptions): { [k: string]: any };
            toJSON(): { [k: string]: any };
            static getTypeUrl(prefix?: string): string;
        }

        namespace CanBlock {
            interface $Properties {
                bus?: (number|null);
                dtUs?: (number[]|null);
                id?: (number[]|null);
                len?: (number[]|null);
                data?: (Uint8Array|null);
                flags?: (number[]|null);
                $unknowns?: Uint8Array[];
            }
            type $Shape = pitwall.v1.CanBlock.$Properties;
        }

        interface IObdResponse extends pitwall.v1.ObdResponse.$Properties {
        }

        class ObdResponse {
            constructor(p?: pitwall.v1.ObdResponse.$Properties);
            $unknowns?: Uint8Array[];
            dtUs: number;
            mode: number;
            pid: number;
            data: Uint8Array;
            ecu: number;
            static create(properties: pitwall.v1.ObdResponse.$Shape): pitwall.v1.ObdResponse & pitwall.v1.ObdResponse.$Shape;
            static create(properties?: pitwall.v1.ObdResponse.$Properties): pitwall.v1.ObdResponse;
            static encode(m: pitwall.v1.ObdResponse.$Properties, w?: $protobuf.Writer): $protobuf.Writer;
            static encodeDelimited(message: pitwall.v1.ObdResponse.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;
            static decode(r: ($protobuf.Reader|Uint8Array), l?: number): pitwall.v1.ObdResponse & pitwall.v1.ObdResponse.$Shape;
            static decodeDelimited(reader: ($protobuf.Reader|Uint8Array)): pitwall.v1.ObdResponse & pitwall.v1.ObdResponse.$Shape;
            static verify(m: { [k: string]: any }): (string|null);
            static fromObject(d: { [k: string]: any }): pitwall.v1.ObdResponse;
            static toObject(m: pitwall.v1.ObdResponse, o?: $protobuf.IConversionOptions): { [k: string]: any };
            toJSON(): { [k: string]: any };
            static getTypeUrl(prefix?: string): string;
        }

        namespace ObdResponse {
            interface $Properties {
                dtUs?: (number|null);
                mode?: (number|null);
                pid?: (number|null);
                data?: (Uint8Array|null);
                ecu?: (number|null);
                $unknowns?: Uint8Array[];
            }
            type $Shape = pitwall.v1.ObdResponse.$Properties;
        }

        interface IDtcRecord extends pitwall.v1.DtcRecord.$Properties {
        }

        class DtcRecord {
            constructor(p?: pitwall.v1.DtcRecord.$Properties);
            $unknowns?: Uint8Array[];
            dtUs: number;
            dtc: number;
            status: number;
            ecu: number;
            static create(properties: pitwall.v1.DtcRecord.$Shape): pitwall.v1.DtcRecord & pitwall.v1.DtcRecord.$Shape;
            static create(properties?: pitwall.v1.DtcRecord.$Properties): pitwall.v1.DtcRecord;
            static encode(m: pitwall.v1.DtcRecord.$Properties, w?: $protobuf.Writer): $protobuf.Writer;
            static encodeDelimited(message: pitwall.v1.DtcRecord.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;
            static decode(r: ($protobuf.Reader|Uint8Array), l?: number): pitwall.v1.DtcRecord & pitwall.v1.DtcRecord.$Shape;
            static decodeDelimited(reader: ($protobuf.Reader|Uint8Array)): pitwall.v1.DtcRecord & pitwall.v1.DtcRecord.$Shape;
            static verify(m: { [k: string]: any }): (string|null);
            static fromObject(d: { [k: string]: any }): pitwall.v1.DtcRecord;
            static toObject(m: pitwall.v1.DtcRecord, o?: $protobuf.IConversionOptions): { [k: string]: any };
            toJSON(): { [k: string]: any };
            static getTypeUrl(prefix?: string): string;
        }

        namespace DtcRecord {
            interface $Properties {
                dtUs?: (number|null);
                dtc?: (number|null);
                status?: (number|null);
                ecu?: (number|null);
                $unknowns?: Uint8Array[];
            }
            type $Shape = pitwall.v1.DtcRecord.$Properties;
        }

        interface IGnssFix extends pitwall.v1.GnssFix.$Properties {
        }

        class GnssFix {
            constructor(p?: pitwall.v1.GnssFix.$Properties);
            $unknowns?: Uint8Array[];
            dtUs: number;
            latE7: number;
            lonE7: number;
            speedCms: number;
            headingCdeg: number;
            altCm: number;
            hdopC: number;
            satellites: number;
            static create(properties: pitwall.v1.GnssFix.$Shape): pitwall.v1.GnssFix & pitwall.v1.GnssFix.$Shape;
            static create(properties?: pitwall.v1.GnssFix.$Properties): pitwall.v1.GnssFix;
            static encode(m: pitwall.v1.GnssFix.$Properties, w?: $protobuf.Writer): $protobuf.Writer;
            static encodeDelimited(message: pitwall.v1.GnssFix.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;
            static decode(r: ($protobuf.Reader|Uint8Array), l?: number): pitwall.v1.GnssFix & pitwall.v1.GnssFix.$Shape;
            static decodeDelimited(reader: ($protobuf.Reader|Uint8Array)): pitwall.v1.GnssFix & pitwall.v1.GnssFix.$Shape;
            static verify(m: { [k: string]: any }): (string|null);
            static fromObject(d: { [k: string]: any }): pitwall.v1.GnssFix;
            static toObject(m: pitwall.v1.GnssFix, o?: $protobuf.IConversionOptions): { [k: string]: any };
            toJSON(): { [k: string]: any };
            static getTypeUrl(prefix?: string): string;
        }

        namespace GnssFix {
            interface $Properties {
                dtUs?: (number|null);
                latE7?: (number|null);
                lonE7?: (number|null);
                speedCms?: (number|null);
                headingCdeg?: (number|null);
                altCm?: (number|null);
                hdopC?: (number|null);
                satellites?: (number|null);
                $unknowns?: Uint8Array[];
            }
            type $Shape = pitwall.v1.GnssFix.$Properties;
        }

        interface ISignalBlock extends pitwall.v1.SignalBlock.$Properties {
        }

        class SignalBlock {
            constructor(p?: pitwall.v1.SignalBlock.$Properties);
            $unknowns?: Uint8Array[];
            dtUs: number[];
            signalId: number[];
            value: number[];
            static create(properties: pitwall.v1.SignalBlock.$Shape): pitwall.v1.SignalBlock & pitwall.v1.SignalBlock.$Shape;
            static create(properties?: pitwall.v1.SignalBlock.$Properties): pitwall.v1.SignalBlock;
            static encode(m: pitwall.v1.SignalBlock.$Properties, w?: $protobuf.Writer): $protobuf.Writer;
            static encodeDelimited(message: pitwall.v1.SignalBlock.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;
            static decode(r: ($protobuf.Reader|Uint8Array), l?: number): pitwall.v1.SignalBlock & pitwall.v1.SignalBlock.$Shape;
            static decodeDelimited(reader: ($protobuf.Reader|Uint8Array)): pitwall.v1.SignalBlock & pitwall.v1.SignalBlock.$Shape;
            static verify(m: { [k: string]: any }): (string|null);
            static fromObject(d: { [k: string]: any }): pitwall.v1.SignalBlock;
            static toObject(m: pitwall.v1.SignalBlock, o?: $protobuf.IConversionOptions): { [k: string]: any };
            toJSON(): { [k: string]: any };
            static getTypeUrl(prefix?: string): string;
        }

        namespace SignalBlock {
            interface $Properties {
                dtUs?: (number[]|null);
                signalId?: (number[]|null);
                value?: (number[]|null);
                $unknowns?: Uint8Array[];
            }
            type $Shape = pitwall.v1.SignalBlock.$Properties;
        }

        interface ISignedCommand extends pitwall.v1.SignedCommand.$Properties {
        }

        class SignedCommand {
            constructor(p?: pitwall.v1.SignedCommand.$Properties);
            $unknowns?: Uint8Array[];
            command: Uint8Array;
            keyId: string;
            signature: Uint8Array;
            static create(properties: pitwall.v1.SignedCommand.$Shape): pitwall.v1.SignedCommand & pitwall.v1.SignedCommand.$Shape;
            static create(properties?: pitwall.v1.SignedCommand.$Properties): pitwall.v1.SignedCommand;
            static encode(m: pitwall.v1.SignedCommand.$Properties, w?: $protobuf.Writer): $protobuf.Writer;
            static encodeDelimited(message: pitwall.v1.SignedCommand.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;
            static decode(r: ($protobuf.Reader|Uint8Array), l?: number): pitwall.v1.SignedCommand & pitwall.v1.SignedCommand.$Shape;
            static decodeDelimited(reader: ($protobuf.Reader|Uint8Array)): pitwall.v1.SignedCommand & pitwall.v1.SignedCommand.$Shape;
            static verify(m: { [k: string]: any }): (string|null);
            static fromObject(d: { [k: string]: any }): pitwall.v1.SignedCommand;
            static toObject(m: pitwall.v1.SignedCommand, o?: $protobuf.IConversionOptions): { [k: string]: any };
            toJSON(): { [k: string]: any };
            static getTypeUrl(prefix?: string): string;
        }

        namespace SignedCommand {
            interface $Properties {
                command?: (Uint8Array|null);
                keyId?: (string|null);
                signature?: (Uint8Array|null);
                $unknowns?: Uint8Array[];
            }
            type $Shape = pitwall.v1.SignedCommand.$Properties;
        }

        interface ICommand extends pitwall.v1.Command.$Properties {
        }

        class Command {
            constructor(p?: pitwall.v1.Command.$Properties);
            $unknowns?: Uint8Array[];
            id: string;
            vin: string;
            issuedAtMs: number;
            expiresAtMs: number;
            nonce: Uint8Array;
            ota?: (pitwall.v1.OtaUpdate.$Properties|null);
            action?: (pitwall.v1.RemoteAction.$Properties|null);
            diagnostic?: (pitwall.v1.DiagnosticRequest.$Properties|null);
            body?: ("ota"|"action"|"diagnostic");
            static create(properties: pitwall.v1.Command.$Shape): pitwall.v1.Command & pitwall.v1.Command.$Shape;
            static create(properties?: pitwall.v1.Command.$Properties): pitwall.v1.Command;
            static encode(m: pitwall.v1.Command.$Properties, w?: $protobuf.Writer): $protobuf.Writer;
            static encodeDelimited(message: pitwall.v1.Command.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;
            static decode(r: ($protobuf.Reader|Uint8Array), l?: number): pitwall.v1.Command & pitwall.v1.Command.$Shape;
            static decodeDelimited(reader: ($protobuf.Reader|Uint8Array)): pitwall.v1.Command & pitwall.v1.Command.$Shape;
            static verify(m: { [k: string]: any }): (string|null);
            static fromObject(d: { [k: string]: any }): pitwall.v1.Command;
            static toObject(m: pitwall.v1.Command, o?: $protobuf.IConversionOptions): { [k: string]: any };
            toJSON(): { [k: string]: any };
            static getTypeUrl(prefix?: string): string;
        }

        namespace Command {
            interface $Properties {
                id?: (string|null);
                vin?: (string|null);
                issuedAtMs?: (number|null);
                expiresAtMs?: (number|null);
                nonce?: (Uint8Array|null);
                ota?: (pitwall.v1.OtaUpdate.$Properties|null);
                action?: (pitwall.v1.RemoteAction.$Properties|null);
                diagnostic?: (pitwall.v1.DiagnosticRequest.$Properties|null);
                body?: ("ota"|"action"|"diagnostic");
                $unknowns?: Uint8Array[];
            }
            type $Shape = {
              id?: string|null;
              vin?: string|null;
              issuedAtMs?: number|null;
              expiresAtMs?: number|null;
              nonce?: Uint8Array|null;
              ota?: pitwall.v1.OtaUpdate.$Shape|null;
              action?: pitwall.v1.RemoteAction.$Shape|null;
              diagnostic?: pitwall.v1.DiagnosticRequest.$Shape|null;
              $unknowns?: Uint8Array[];
            } & (
              ({ body?: undefined; ota?: null; action?: null; diagnostic?: null }|{ body?: "ota"; ota: pitwall.v1.OtaUpdate.$Shape; action?: null; diagnostic?: null }|{ body?: "action"; ota?: null; action: pitwall.v1.RemoteAction.$Shape; diagnostic?: null }|{ body?: "diagnostic"; ota?: null; action?: null; diagnostic: pitwall.v1.DiagnosticRequest.$Shape })
            );
        }

        interface IOtaUpdate extends pitwall.v1.OtaUpdate.$Properties {
        }

        class OtaUpdate {
            constructor(p?: pitwall.v1.OtaUpdate.$Properties);
            $unknowns?: Uint8Array[];
            package: string;
            version: string;
            url: string;
            sha256: Uint8Array;
            size: number;
            static create(properties: pitwall.v1.OtaUpdate.$Shape): pitwall.v1.OtaUpdate & pitwall.v1.OtaUpdate.$Shape;
            static create(properties?: pitwall.v1.OtaUpdate.$Properties): pitwall.v1.OtaUpdate;
            static encode(m: pitwall.v1.OtaUpdate.$Properties, w?: $protobuf.Writer): $protobuf.Writer;
            static encodeDelimited(message: pitwall.v1.OtaUpdate.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;
            static decode(r: ($protobuf.Reader|Uint8Array), l?: number): pitwall.v1.OtaUpdate & pitwall.v1.OtaUpdate.$Shape;
            static decodeDelimited(reader: ($protobuf.Reader|Uint8Array)): pitwall.v1.OtaUpdate & pitwall.v1.OtaUpdate.$Shape;
            static verify(m: { [k: string]: any }): (string|null);
            static fromObject(d: { [k: string]: any }): pitwall.v1.OtaUpdate;
            static toObject(m: pitwall.v1.OtaUpdate, o?: $protobuf.IConversionOptions): { [k: string]: any };
            toJSON(): { [k: string]: any };
            static getTypeUrl(prefix?: string): string;
        }

        namespace OtaUpdate {
            interface $Properties {
                "package"?: (string|null);
                version?: (string|null);
                url?: (string|null);
                sha256?: (Uint8Array|null);
                size?: (number|null);
                $unknowns?: Uint8Array[];
            }
            type $Shape = pitwall.v1.OtaUpdate.$Properties;
        }

        interface IRemoteAction extends pitwall.v1.RemoteAction.$Properties {
        }

        class RemoteAction {
            constructor(p?: pitwall.v1.RemoteAction.$Properties);
            $unknowns?: Uint8Array[];
            name: string;
            params: { [k: string]: string };
            static create(properties: pitwall.v1.RemoteAction.$Shape): pitwall.v1.RemoteAction & pitwall.v1.RemoteAction.$Shape;
            static create(properties?: pitwall.v1.RemoteAction.$Properties): pitwall.v1.RemoteAction;
            static encode(m: pitwall.v1.RemoteAction.$Properties, w?: $protobuf.Writer): $protobuf.Writer;
            static encodeDelimited(message: pitwall.v1.RemoteAction.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;
            static decode(r: ($protobuf.Reader|Uint8Array), l?: number): pitwall.v1.RemoteAction & pitwall.v1.RemoteAction.$Shape;
            static decodeDelimited(reader: ($protobuf.Reader|Uint8Array)): pitwall.v1.RemoteAction & pitwall.v1.RemoteAction.$Shape;
            static verify(m: { [k: string]: any }): (string|null);
            static fromObject(d: { [k: string]: any }): pitwall.v1.RemoteAction;
            static toObject(m: pitwall.v1.RemoteAction, o?: $protobuf.IConversionOptions): { [k: string]: any };
            toJSON(): { [k: string]: any };
            static getTypeUrl(prefix?: string): string;
        }

        namespace RemoteAction {
            interface $Properties {
                name?: (string|null);
                params?: ({ [k: string]: string }|null);
                $unknowns?: Uint8Array[];
            }
            type $Shape = pitwall.v1.RemoteAction.$Properties;
        }

        interface IDiagnosticRequest extends pitwall.v1.DiagnosticRequest.$Properties {
        }

        class DiagnosticRequest {
            constructor(p?: pitwall.v1.DiagnosticRequest.$Properties);
            $unknowns?: Uint8Array[];
            udsRequest?: (Uint8Array|null);
            logUpload?: (pitwall.v1.LogUpload.$Properties|null);
            target: number;
            timeoutMs: number;
            kind?: ("udsRequest"|"logUpload");
            static create(properties: pitwall.v1.DiagnosticRequest.$Shape): pitwall.v1.DiagnosticRequest & pitwall.v1.DiagnosticRequest.$Shape;
            static create(properties?: pitwall.v1.DiagnosticRequest.$Properties): pitwall.v1.DiagnosticRequest;
            static encode(m: pitwall.v1.DiagnosticRequest.$Properties, w?: $protobuf.Writer): $protobuf.Writer;
            static encodeDelimited(message: pitwall.v1.DiagnosticRequest.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;
            static decode(r: ($protobuf.Reader|Uint8Array), l?: number): pitwall.v1.DiagnosticRequest & pitwall.v1.DiagnosticRequest.$Shape;
            static decodeDelimited(reader: ($protobuf.Reader|Uint8Array)): pitwall.v1.DiagnosticRequest & pitwall.v1.DiagnosticRequest.$Shape;
            static verify(m: { [k: string]: any }): (string|null);
            static fromObject(d: { [k: string]: any }): pitwall.v1.DiagnosticRequest;
            static toObject(m: pitwall.v1.DiagnosticRequest, o?: $protobuf.IConversionOptions): { [k: string]: any };
            toJSON(): { [k: string]: any };
            static getTypeUrl(prefix?: string): string;
        }

        namespace DiagnosticRequest {
            interface $Properties {
                udsRequest?: (Uint8Array|null);
                logUpload?: (pitwall.v1.LogUpload.$Properties|null);
                target?: (number|null);
                timeoutMs?: (number|null);
                kind?: ("udsRequest"|"logUpload");
                $unknowns?: Uint8Array[];
            }
            type $Shape = {
              udsRequest?: Uint8Array|null;
              logUpload?: pitwall.v1.LogUpload.$Shape|null;
              target?: number|null;
              timeoutMs?: number|null;
              $unknowns?: Uint8Array[];
            } & (
              ({ kind?: undefined; udsRequest?: null; logUpload?: null }|{ kind?: "udsRequest"; udsRequest: Uint8Array; logUpload?: null }|{ kind?: "logUpload"; udsRequest?: null; logUpload: pitwall.v1.LogUpload.$Shape })
            );
        }

        interface ILogUpload extends pitwall.v1.LogUpload.$Properties {
        }

        class LogUpload {
            constructor(p?: pitwall.v1.LogUpload.$Properties);
            $unknowns?: Uint8Array[];
            fromMs: number;
            toMs: number;
            kind: string;
            uploadUrl: string;
            uploadToken: string;
            maxBytes: number;
            uploadExpiresAtMs: number;
            static create(properties: pitwall.v1.LogUpload.$Shape): pitwall.v1.LogUpload & pitwall.v1.LogUpload.$Shape;
            static create(properties?: pitwall.v1.LogUpload.$Properties): pitwall.v1.LogUpload;
            static encode(m: pitwall.v1.LogUpload.$Properties, w?: $protobuf.Writer): $protobuf.Writer;
            static encodeDelimited(message: pitwall.v1.LogUpload.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;
            static decode(r: ($protobuf.Reader|Uint8Array), l?: number): pitwall.v1.LogUpload & pitwall.v1.LogUpload.$Shape;
            static decodeDelimited(reader: ($protobuf.Reader|Uint8Array)): pitwall.v1.LogUpload & pitwall.v1.LogUpload.$Shape;
            static verify(m: { [k: string]: any }): (string|null);
            static fromObject(d: { [k: string]: any }): pitwall.v1.LogUpload;
            static toObject(m: pitwall.v1.LogUpload, o?: $protobuf.IConversionOptions): { [k: string]: any };
            toJSON(): { [k: string]: any };
            static getTypeUrl(prefix?: string): string;
        }

        namespace LogUpload {
            interface $Properties {
                fromMs?: (number|null);
                toMs?: (number|null);
                kind?: (string|null);
                uploadUrl?: (string|null);
                uploadToken?: (string|null);
                maxBytes?: (number|null);
                uploadExpiresAtMs?: (number|null);
                $unknowns?: Uint8Array[];
            }
            type $Shape = pitwall.v1.LogUpload.$Properties;
        }

        interface ICommandAck extends pitwall.v1.CommandAck.$Properties {
        }

        class CommandAck {
            constructor(p?: pitwall.v1.CommandAck.$Properties);
            $unknowns?: Uint8Array[];
            id: string;
            state: pitwall.v1.CommandAck.State;
            progress: number;
            detail: string;
            timeMs: number;
            responses: pitwall.v1.DiagnosticResponse.$Properties[];
            static create(properties: pitwall.v1.CommandAck.$Shape): pitwall.v1.CommandAck & pitwall.v1.CommandAck.$Shape;
            static create(properties?: pitwall.v1.CommandAck.$Properties): pitwall.v1.CommandAck;
            static encode(m: pitwall.v1.CommandAck.$Properties, w?: $protobuf.Writer): $protobuf.Writer;
            static encodeDelimited(message: pitwall.v1.CommandAck.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;
            static decode(r: ($protobuf.Reader|Uint8Array), l?: number): pitwall.v1.CommandAck & pitwall.v1.CommandAck.$Shape;
            static decodeDelimited(reader: ($protobuf.Reader|Uint8Array)): pitwall.v1.CommandAck & pitwall.v1.CommandAck.$Shape;
            static verify(m: { [k: string]: any }): (string|null);
            static fromObject(d: { [k: string]: any }): pitwall.v1.CommandAck;
            static toObject(m: pitwall.v1.CommandAck, o?: $protobuf.IConversionOptions): { [k: string]: any };
            toJSON(): { [k: string]: any };
            static getTypeUrl(prefix?: string): string;
        }

        namespace CommandAck {
            interface $Properties {
                id?: (string|null);
                state?: (pitwall.v1.CommandAck.State|null);
                progress?: (number|null);
                detail?: (string|null);
                timeMs?: (number|null);
                responses?: (pitwall.v1.DiagnosticResponse.$Properties[]|null);
                $unknowns?: Uint8Array[];
            }
            type $Shape = pitwall.v1.CommandAck.$Properties;

            enum State {
                STATE_UNSPECIFIED = 0,
                ACCEPTED = 1,
                IN_PROGRESS = 2,
                SUCCEEDED = 3,
                FAILED = 4,
                REJECTED = 5
            }
        }

        interface IDiagnosticResponse extends pitwall.v1.DiagnosticResponse.$Properties {
        }

        class DiagnosticResponse {
            constructor(p?: pitwall.v1.DiagnosticResponse.$Properties);
            $unknowns?: Uint8Array[];
            ecu: number;
            data: Uint8Array;
            frames: Uint8Array[];
            elapsedMs: number;
            static create(properties: pitwall.v1.DiagnosticResponse.$Shape): pitwall.v1.DiagnosticResponse & pitwall.v1.DiagnosticResponse.$Shape;
            static create(properties?: pitwall.v1.DiagnosticResponse.$Properties): pitwall.v1.DiagnosticResponse;
            static encode(m: pitwall.v1.DiagnosticResponse.$Properties, w?: $protobuf.Writer): $protobuf.Writer;
            static encodeDelimited(message: pitwall.v1.DiagnosticResponse.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;
            static decode(r: ($protobuf.Reader|Uint8Array), l?: number): pitwall.v1.DiagnosticResponse & pitwall.v1.DiagnosticResponse.$Shape;
            static decodeDelimited(reader: ($protobuf.Reader|Uint8Array)): pitwall.v1.DiagnosticResponse & pitwall.v1.DiagnosticResponse.$Shape;
            static verify(m: { [k: string]: any }): (string|null);
            static fromObject(d: { [k: string]: any }): pitwall.v1.DiagnosticResponse;
            static toObject(m: pitwall.v1.DiagnosticResponse, o?: $protobuf.IConversionOptions): { [k: string]: any };
            toJSON(): { [k: string]: any };
            static getTypeUrl(prefix?: string): string;
        }

        namespace DiagnosticResponse {
            interface $Properties {
                ecu?: (number|null);
                data?: (Uint8Array|null);
                frames?: (Uint8Array[]|null);
                elapsedMs?: (number|null);
                $unknowns?: Uint8Array[];
            }
            type $Shape = pitwall.v1.DiagnosticResponse.$Properties;
        }
    }
}

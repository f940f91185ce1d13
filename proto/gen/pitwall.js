/*eslint-disable block-scoped-var, id-length, no-control-regex, no-magic-numbers, no-mixed-operators, no-prototype-builtins, no-redeclare, no-shadow, no-var, sort-vars, default-case, jsdoc/require-param*/
import $protobuf from "protobufjs/minimal.js";

// Common aliases
const $Reader = $protobuf.Reader, $Writer = $protobuf.Writer, $util = $protobuf.util;
const $Object = $util.global.Object, $undefined = $util.global.undefined, $Error = $util.global.Error, $RangeError = $util.global.RangeError, $Array = $util.global.Array, $TypeError = $util.global.TypeError, $String = $util.global.String, $Number = $util.global.Number, $parseInt = $util.global.parseInt, $BigInt = $util.global.BigInt, $isFinite = $util.global.isFinite;

// Exported root namespace
const $root = $protobuf.roots["default"] || ($protobuf.roots["default"] = {});

export const pitwall = $root.pitwall = (() => {

    /**
     * Namespace pitwall.
     * @exports pitwall
     * @namespace
     */
    const pitwall = {};

    pitwall.v1 = (function() {

        /**
         * Namespace v1.
         * @memberof pitwall
         * @namespace
         */
        const v1 = {};

        v1.TelemetryBatch = (function() {

            /**
             * Properties of a TelemetryBatch.
             * @typedef {Object} pitwall.v1.TelemetryBatch.$Properties
             * @property {string|null} [vin] TelemetryBatch vin
             * @property {number|null} [seq] TelemetryBatch seq
             * @property {number|null} [baseTimeUs] TelemetryBatch baseTimeUs
             * @property {Array.<pitwall.v1.CanBlock.$Properties>|null} [can] TelemetryBatch can
             * @property {Array.<pitwall.v1.ObdResponse.$Properties>|null} [obd] TelemetryBatch obd
             * @property {Array.<pitwall.v1.DtcRecord.$Properties>|null} [dtc] TelemetryBatch dtc
             * @property {Array.<pitwall.v1.GnssFix.$Properties>|null} [gnss] TelemetryBatch gnss
             * @property {pitwall.v1.SignalBlock.$Properties|null} [signals] TelemetryBatch signals
             * @property {string|null} [firmware] TelemetryBatch firmware
             * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
             */

            /**
             * Properties of a TelemetryBatch.
             * @memberof pitwall.v1
             * @interface ITelemetryBatch
             * @augments pitwall.v1.TelemetryBatch.$Properties
             * @deprecated Use pitwall.v1.TelemetryBatch.$Properties instead.
             */

            /**
             * Shape of a TelemetryBatch.
             * @typedef {pitwall.v1.TelemetryBatch.$Properties} pitwall.v1.TelemetryBatch.$Shape
             */

            /**
             * Constructs a new TelemetryBatch.
             * @memberof pitwall.v1
             * @classdesc Represents a TelemetryBatch.
             * @constructor
             * @param {pitwall.v1.TelemetryBatch.$Properties=} [p] Properties to set
             * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
             */
            const TelemetryBatch = function (p) {
                this.can = [];
                this.obd = [];
                this.dtc = [];
                this.gnss = [];
                if (p)
                    for (var ks = $Object.keys(p), i = 0; i < ks.length; ++i)
                        if (p[ks[i]] != null && ks[i] !== "__proto__")
                            this[ks[i]] = p[ks[i]];
            };

            /**
             * TelemetryBatch vin.
             * @member {string} vin
             * @memberof pitwall.v1.TelemetryBatch
             * @instance
             */
            TelemetryBatch.prototype.vin = "";

            /**
             * TelemetryBatch seq.
             * @member {number} seq
             * @memberof pitwall.v1.TelemetryBatch
             * @instance
             */
            TelemetryBatch.prototype.seq = $util.Long ? $util.Long.fromBits(0,0,true) : 0;

            /**
             * TelemetryBatch baseTimeUs.
             * @member {number} baseTimeUs
             * @memberof pitwall.v1.TelemetryBatch
             * @instance
             */
            TelemetryBatch.prototype.baseTimeUs = $util.Long ? $util.Long.fromBits(0,0,true) : 0;

            /**
             * TelemetryBatch can.
             * @member {Array.<pitwall.v1.CanBlock.$Properties>} can
             * @memberof pitwall.v1.TelemetryBatch
             * @instance
             */
            TelemetryBatch.prototype.can = $util.emptyArray;

            /**
             * TelemetryBatch obd.
             * @member {Array.<pitwall.v1.ObdResponse.$Properties>} obd
             * @memberof pitwall.v1.TelemetryBatch
             * @instance
             */
            TelemetryBatch.prototype.obd = $util.emptyArray;

            /**
             * TelemetryBatch dtc.
             * @member {Array.<pitwall.v1.DtcRecord.$Properties>} dtc
             * @memberof pitwall.v1.TelemetryBatch
             * @instance
             */
            TelemetryBatch.prototype.dtc = $util.emptyArray;

            /**
             * TelemetryBatch gnss.
             * @member {Array.<pitwall.v1.GnssFix.$Properties>} gnss
             * @memberof pitwall.v1.TelemetryBatch
             * @instance
             */
            TelemetryBatch.prototype.gnss = $util.emptyArray;

            /**
             * TelemetryBatch signals.
             * @member {pitwall.v1.SignalBlock.$Properties|null|undefined} signals
             * @memberof pitwall.v1.TelemetryBatch
             * @instance
             */
            TelemetryBatch.prototype.signals = null;

            /**
             * TelemetryBatch firmware.
             * @member {string} firmware
             * @memberof pitwall.v1.TelemetryBatch
             * @instance
             */
            TelemetryBatch.prototype.firmware = "";

            /**
             * Creates a new TelemetryBatch instance using the specified properties.
             * @function create
             * @memberof pitwall.v1.TelemetryBatch
             * @static
             * @param {pitwall.v1.TelemetryBatch.$Properties=} [properties] Properties to set
             * @returns {pitwall.v1.TelemetryBatch} TelemetryBatch instance
             * @type {{
             *   (properties: pitwall.v1.TelemetryBatch.$Shape): pitwall.v1.TelemetryBatch & pitwall.v1.TelemetryBatch.$Shape;
             *   (properties?: pitwall.v1.TelemetryBatch.$Properties): pitwall.v1.TelemetryBatch;
             * }}
             */
            TelemetryBatch.create = function(properties) {
                return new TelemetryBatch(properties);
            };

            /**
             * Encodes the specified TelemetryBatch message. Does not implicitly {@link pitwall.v1.TelemetryBatch.verify|verify} messages.
             * @function encode
             * @memberof pitwall.v1.TelemetryBatch
             * @static
             * @param {pitwall.v1.TelemetryBatch.$Properties} m TelemetryBatch message or plain object to encode
             * @param {$protobuf.Writer} [w] Writer to encode to
             * @returns {$protobuf.Writer} Writer
             */
            TelemetryBatch.encode = function (m, w, q) {
                if (!w)
                    w = $Writer.create();
                if (q === $undefined)
                    q = 0;
                if (q > $util.recursionLimit)
                    throw $Error("max depth exceeded");
                if (m.vin != null && $Object.hasOwnProperty.call(m, "vin") && m.vin !== "")
                    w.uint32(/* id 1, wireType 2 =*/10).string(m.vin);
                if (m.seq != null && $Object.hasOwnProperty.call(m, "seq") && (typeof m.seq === "object" ? m.seq.low || m.seq.high : m.seq !== 0))
                    w.uint32(/* id 2, wireType 0 =*/16).uint64(m.seq);
                if (m.baseTimeUs != null && $Object.hasOwnProperty.call(m, "baseTimeUs") && (typeof m.baseTimeUs === "object" ? m.baseTimeUs.low || m.baseTimeUs.high : m.baseTimeUs !== 0))
                    w.uint32(/* id 3, wireType 0 =*/24).uint64(m.baseTimeUs);
                if (m.can != null && m.can.length) {
                    for (var i = 0; i < m.can.length; ++i)
                        $root.pitwall.v1.CanBlock.encode(m.can[i], w.uint32(/* id 4, wireType 2 =*/34).fork(), q + 1).ldelim();
                }
                if (m.obd != null && m.obd.length) {
                    for (var i = 0; i < m.obd.length; ++i)
                        $root.pitwall.v1.ObdResponse.encode(m.obd[i], w.uint32(/* id 5, wireType 2 =*/42).fork(), q + 1).ldelim();
                }
                if (m.dtc != null && m.dtc.length) {
                    for (var i = 0; i < m.dtc.length; ++i)
                        $root.pitwall.v1.DtcRecord.encode(m.dtc[i], w.uint32(/* id 6, wireType 2 =*/50).fork(), q + 1).ldelim();
                }
                if (m.gnss != null && m.gnss.length) {
                    for (var i = 0; i < m.gnss.length; ++i)
                        $root.pitwall.v1.GnssFix.encode(m.gnss[i], w.uint32(/* id 7, wireType 2 =*/58).fork(), q + 1).ldelim();
                }
                if (m.signals != null && $Object.hasOwnProperty.call(m, "signals"))
                    $root.pitwall.v1.SignalBlock.encode(m.signals, w.uint32(/* id 8, wireType 2 =*/66).fork(), q + 1).ldelim();
                if (m.firmware != null && $Object.hasOwnProperty.call(m, "firmware") && m.firmware !== "")
                    w.uint32(/* id 9, wireType 2 =*/74).string(m.firmware);
                if (m.$unknowns != null && $Object.hasOwnProperty.call(m, "$unknowns"))
                    for (var i = 0; i < m.$unknowns.length; ++i)
                        w.raw(m.$unknowns[i]);
                return w;
            };

            /**
             * Encodes the specified TelemetryBatch message, length delimited. Does not implicitly {@link pitwall.v1.TelemetryBatch.verify|verify} messages.
             * @function encodeDelimited
             * @memberof pitwall.v1.TelemetryBatch
             * @static
             * @param {pitwall.v1.TelemetryBatch.$Properties} message TelemetryBatch message or plain object to encode
             * @param {$protobuf.Writer} [writer] Writer to encode to
             * @returns {$protobuf.Writer} Writer
             */
            TelemetryBatch.encodeDelimited = function(message, writer) {
                return this.encode(message, (writer || $Writer.create()).fork()).ldelim();
            };

            /**
             * Decodes a TelemetryBatch message from the specified reader or buffer.
             * @function decode
             * @memberof pitwall.v1.TelemetryBatch
             * @static
             * @param {$protobuf.Reader|Uint8Array} r Reader or buffer to decode from
             * @param {number} [l] Message length if known beforehand
             * @returns {pitwall.v1.TelemetryBatch & pitwall.v1.TelemetryBatch.$Shape} TelemetryBatch
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            TelemetryBatch.decode = function (r, l, z, q, g) {
                if (!(r instanceof $Reader))
                    r = $Reader.create(r);
                if (q === $undefined)
                    q = 0;
                if (q > $Reader.recursionLimit)
                    throw $Error("max depth exceeded");
                var c, m, v;
                if (l === $undefined)
                    c = r.len;
                else {
                    c = r.pos + l;
                    if (c > r.len)
                        throw $RangeError("index out of range");
                    l = r.len;
                    r.len = c;
                }
                m = g || new $root.pitwall.v1.TelemetryBatch();
                while (r.pos < c) {
                    var s = r.pos;
                    var t = r.tag();
                    if (t === z) {
                        z = $undefined;
                        break;
                    }
                    var u = t & 7;
                    switch (t >>>= 3) {
                    case 1: {
                            if (u !== 2)
                                break;
                            if ((v = r.stringVerify()).length)
                                m.vin = v;
                            else
                                delete m.vin;
                            continue;
                        }
                    case 2: {
                            if (u !== 0)
                                break;
                            if (typeof (v = r.uint64()) === "object" ? v.low || v.high : v !== 0)
                                m.seq = v;
                            else
                                delete m.seq;
                            continue;
                        }
                    case 3: {
                            if (u !== 0)
                                break;
                            if (typeof (v = r.uint64()) === "object" ? v.low || v.high : v !== 0)
                                m.baseTimeUs = v;
                            else
                                delete m.baseTimeUs;
                            continue;
                        }
                    case 4: {
                            if (u !== 2)
                                break;
                            if (!(m.can && m.can.length))
                                m.can = [];
                            m.can.push($root.pitwall.v1.CanBlock.decode(r, r.size(), $undefined, q + 1));
                            continue;
                        }
                    case 5: {
                            if (u !== 2)
                                break;
                            if (!(m.obd && m.obd.length))
                                m.obd = [];
                            m.obd.push($root.pitwall.v1.ObdResponse.decode(r, r.size(), $undefined, q + 1));
                            continue;
                        }
                    case 6: {
                            if (u !== 2)
                                break;
                            if (!(m.dtc && m.dtc.length))
                                m.dtc = [];
                            m.dtc.push($root.pitwall.v1.DtcRecord.decode(r, r.size(), $undefined, q + 1));
                            continue;
                        }
                    case 7: {
                            if (u !== 2)
                                break;
                            if (!(m.gnss && m.gnss.length))
                                m.gnss = [];
                            m.gnss.push($root.pitwall.v1.GnssFix.decode(r, r.size(), $undefined, q + 1));
                            continue;
                        }
                    case 8: {
                            if (u !== 2)
                                break;
                            m.signals = $root.pitwall.v1.SignalBlock.decode(r, r.size(), $undefined, q + 1, m.signals);
                            continue;
                        }
                    case 9: {
                            if (u !== 2)
                                break;
                            if ((v = r.stringVerify()).length)
                                m.firmware = v;
                            else
                                delete m.firmware;
                            continue;
                        }
                    }
                    r.skipType(u, q, t);
                    if (!r.discardUnknown) {
                        $util.makeProp(m, "$unknowns", false);
                        (m.$unknowns || (m.$unknowns = [])).push(r.raw(s, r.pos));
                    }
                }
                if (l !== $undefined) {
                    if (r.pos !== c)
                        throw $RangeError("index out of range");
                    r.len = l;
                }
                if (z !== $undefined)
                    throw $Error("missing end group");
                return m;
            };

            /**
             * Decodes a TelemetryBatch message from the specified reader or buffer, length delimited.
             * @function decodeDelimited
             * @memberof pitwall.v1.TelemetryBatch
             * @static
             * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
             * @returns {pitwall.v1.TelemetryBatch & pitwall.v1.TelemetryBatch.$Shape} TelemetryBatch
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            TelemetryBatch.decodeDelimited = function(reader) {
                if (!(reader instanceof $Reader))
                    reader = new $Reader(reader);
                return this.decode(reader, reader.size());
            };

            /**
             * Verifies a TelemetryBatch message.
             * @function verify
             * @memberof pitwall.v1.TelemetryBatch
             * @static
             * @param {Object.<string,*>} m Plain object to verify
             * @returns {string|null} `null` if valid, otherwise the reason why it is not
             */
            TelemetryBatch.verify = function (m, q) {
                if (typeof m !== "object" || m === null)
                    return "object expected";
                if (q === $undefined)
                    q = 0;
                if (q > $util.recursionLimit)
                    return "max depth exceeded";
                if (m.vin != null && $Object.hasOwnProperty.call(m, "vin")) {
                    if (!$util.isString(m.vin))
                        return "vin: string expected";
                }
                if (m.seq != null && $Object.hasOwnProperty.call(m, "seq")) {
                    if (!$util.isInteger(m.seq) && !(m.seq && $util.isInteger(m.seq.low) && $util.isInteger(m.seq.high)))
                        return "seq: integer|Long expected";
                }
                if (m.baseTimeUs != null && $Object.hasOwnProperty.call(m, "baseTimeUs")) {
                    if (!$util.isInteger(m.baseTimeUs) && !(m.baseTimeUs && $util.isInteger(m.baseTimeUs.low) && $util.isInteger(m.baseTimeUs.high)))
                        return "baseTimeUs: integer|Long expected";
                }
                if (m.can != null && $Object.hasOwnProperty.call(m, "can")) {
                    if (!$Array.isArray(m.can))
                        return "can: array expected";
                    for (var i = 0; i < m.can.length; ++i) {
                        {
                            var e = $root.pitwall.v1.CanBlock.verify(m.can[i], q + 1);
                            if (e)
                                return "can." + e;
                        }
                    }
                }
                if (m.obd != null && $Object.hasOwnProperty.call(m, "obd")) {
                    if (!$Array.isArray(m.obd))
                        return "obd: array expected";
                    for (var i = 0; i < m.obd.length; ++i) {
                        {
                            var e = $root.pitwall.v1.ObdResponse.verify(m.obd[i], q + 1);
                            if (e)
                                return "obd." + e;
                        }
                    }
                }
                if (m.dtc != null && $Object.hasOwnProperty.call(m, "dtc")) {
                    if (!$Array.isArray(m.dtc))
                        return "dtc: array expected";
                    for (var i = 0; i < m.dtc.length; ++i) {
                        {
                            var e = $root.pitwall.v1.DtcRecord.verify(m.dtc[i], q + 1);
                            if (e)
                                return "dtc." + e;
                        }
                    }
                }
                if (m.gnss != null && $Object.hasOwnProperty.call(m, "gnss")) {
                    if (!$Array.isArray(m.gnss))
                        return "gnss: array expected";
                    for (var i = 0; i < m.gnss.length; ++i) {
                        {
                            var e = $root.pitwall.v1.GnssFix.verify(m.gnss[i], q + 1);
                            if (e)
                                return "gnss." + e;
                        }
                    }
                }
                if (m.signals != null && $Object.hasOwnProperty.call(m, "signals")) {
                    {
                        var e = $root.pitwall.v1.SignalBlock.verify(m.signals, q + 1);
                        if (e)
                            return "signals." + e;
                    }
                }
                if (m.firmware != null && $Object.hasOwnProperty.call(m, "firmware")) {
                    if (!$util.isString(m.firmware))
                        return "firmware: string expected";
                }
                return null;
            };

            /**
             * Creates a TelemetryBatch message from a plain object. Also converts values to their respective internal types.
             * @function fromObject
             * @memberof pitwall.v1.TelemetryBatch
             * @static
             * @param {Object.<string,*>} d Plain object
             * @returns {pitwall.v1.TelemetryBatch} TelemetryBatch
             */
            TelemetryBatch.fromObject = function (d, q) {
                if (d instanceof $root.pitwall.v1.TelemetryBatch)
                    return d;
                if (!$util.isObject(d))
                    throw $TypeError(".pitwall.v1.TelemetryBatch: object expected");
                if (q === $undefined)
                    q = 0;
                if (q > $util.recursionLimit)
                    throw $Error("max depth exceeded");
                var m = new $root.pitwall.v1.TelemetryBatch();
                if (d.vin != null) {
                    if (typeof d.vin !== "string" || d.vin.length) {
                        m.vin = $String(d.vin);
                    }
                }
                if (d.seq != null) {
                    if (typeof d.seq === "object" ? d.seq.low || d.seq.high : $Number(d.seq) !== 0) {
                        if ($util.Long)
                            m.seq = $util.Long.fromValue(d.seq, true);
                        else if (typeof d.seq === "string")
                            m.seq = $parseInt(d.seq, 10);
                        else if (typeof d.seq === "number")
                            m.seq = d.seq;
                        else if (typeof d.seq === "object")
                            m.seq = new $util.LongBits(d.seq.low >>> 0, d.seq.high >>> 0).toNumber(true);
                    }
                }
                if (d.baseTimeUs != null) {
                    if (typeof d.baseTimeUs === "object" ? d.baseTimeUs.low || d.baseTimeUs.high : $Number(d.baseTimeUs) !== 0) {
                        if ($util.Long)
                            m.baseTimeUs = $util.Long.fromValue(d.baseTimeUs, true);
                        else if (typeof d.baseTimeUs === "string")
                            m.baseTimeUs = $parseInt(d.baseTimeUs, 10);
                        else if (typeof d.baseTimeUs === "number")
                            m.baseTimeUs = d.baseTimeUs;
                        else if (typeof d.baseTimeUs === "object")
                            m.baseTimeUs = new $util.LongBits(d.baseTimeUs.low >>> 0, d.baseTimeUs.high >>> 0).toNumber(true);
                    }
                }
                if (d.can) {
                    if (!$Array.isArray(d.can))
                        throw $TypeError(".pitwall.v1.TelemetryBatch.can: array expected");
                    m.can = $Array(d.can.length);
                    for (var i = 0; i < d.can.length; ++i) {
                        if (!$util.isObject(d.can[i]))
                            throw $TypeError(".pitwall.v1.TelemetryBatch.can: object expected");
                        m.can[i] = $root.pitwall.v1.CanBlock.fromObject(d.can[i], q + 1);
                    }
                }
                if (d.obd) {
                    if (!$Array.isArray(d.obd))
                        throw $TypeError(".pitwall.v1.TelemetryBatch.obd: array expected");
                    m.obd = $Array(d.obd.length);
                    for (var i = 0; i < d.obd.length; ++i) {
                        if (!$util.isObject(d.obd[i]))
                            throw $TypeError(".pitwall.v1.TelemetryBatch.obd: object expected");
                        m.obd[i] = $root.pitwall.v1.ObdResponse.fromObject(d.obd[i], q + 1);
                    }
                }
                if (d.dtc) {
                    if (!$Array.isArray(d.dtc))
                        throw $TypeError(".pitwall.v1.TelemetryBatch.dtc: array expected");
                    m.dtc = $Array(d.dtc.length);
                    for (var i = 0; i < d.dtc.length; ++i) {
                        if (!$util.isObject(d.dtc[i]))
                            throw $TypeError(".pitwall.v1.TelemetryBatch.dtc: object expected");
                        m.dtc[i] = $root.pitwall.v1.DtcRecord.fromObject(d.dtc[i], q + 1);
                    }
                }
                if (d.gnss) {
                    if (!$Array.isArray(d.gnss))
                        throw $TypeError(".pitwall.v1.TelemetryBatch.gnss: array expected");
                    m.gnss = $Array(d.gnss.length);
                    for (var i = 0; i < d.gnss.length; ++i) {
                        if (!$util.isObject(d.gnss[i]))
                            throw $TypeError(".pitwall.v1.TelemetryBatch.gnss: object expected");
                        m.gnss[i] = $root.pitwall.v1.GnssFix.fromObject(d.gnss[i], q + 1);
                    }
                }
                if (d.signals != null) {
                    if (!$util.isObject(d.signals))
                        throw $TypeError(".pitwall.v1.TelemetryBatch.signals: object expected");
                    m.signals = $root.pitwall.v1.SignalBlock.fromObject(d.signals, q + 1);
                }
                if (d.firmware != null) {
                    if (typeof d.firmware !== "string" || d.firmware.length) {
                        m.firmware = $String(d.firmware);
                    }
                }
                return m;
            };

            /**
             * Creates a plain object from a TelemetryBatch message. Also converts values to other types if specified.
             * @function toObject
             * @memberof pitwall.v1.TelemetryBatch
             * @static
             * @param {pitwall.v1.TelemetryBatch} m TelemetryBatch
             * @param {$protobuf.IConversionOptions} [o] Conversion options
             * @returns {Object.<string,*>} Plain object
             */
            TelemetryBatch.toObject = function (m, o, q) {
                if (!o)
                    o = {};
                if (q === $undefined)
                    q = 0;
                if (q > $util.recursionLimit)
                    throw $Error("max depth exceeded");
                var d = {};
                if (o.arrays || o.defaults) {
                    d.can = [];
                    d.obd = [];
                    d.dtc = [];
                    d.gnss = [];
                }
                if (o.defaults) {
                    d.vin = "";
                    if ($util.Long) {
                        var n = new $util.Long(0, 0, true);
                        d.seq = o.longs === $String ? n.toString() : o.longs === $Number ? n.toNumber() : typeof $BigInt !== "undefined" && o.longs === $BigInt ? n.toBigInt() : n;
                    } else
                        d.seq = o.longs === $String ? "0" : typeof $BigInt !== "undefined" && o.longs === $BigInt ? $BigInt("0") : 0;
                    if ($util.Long) {
                        var n = new $util.Long(0, 0, true);
                        d.baseTimeUs = o.longs === $String ? n.toString() : o.longs === $Number ? n.toNumber() : typeof $BigInt !== "undefined" && o.longs === $BigInt ? n.toBigInt() : n;
                    } else
                        d.baseTimeUs = o.longs === $String ? "0" : typeof $BigInt !== "undefined" && o.longs === $BigInt ? $BigInt("0") : 0;
                    d.signals = null;
                    d.firmware = "";
                }
                if (m.vin != null && $Object.hasOwnProperty.call(m, "vin")) {
                    d.vin = m.vin;
                }
                if (m.seq != null && $Object.hasOwnProperty.call(m, "seq")) {
                    if (typeof $BigInt !== "undefined" && o.longs === $BigInt)
                        d.seq = typeof m.seq === "number" ? $BigInt(m.seq) : $util.Long.fromBits(m.seq.low >>> 0, m.seq.high >>> 0, true).toBigInt();
                    else if (typeof m.seq === "number")
                        d.seq = o.longs === $String ? $String(m.seq) : m.seq;
                    else
                        d.seq = o.longs === $String ? $util.Long.prototype.toString.call(m.seq) : o.longs === $Number ? new $util.LongBits(m.seq.low >>> 0, m.seq.high >>> 0).toNumber(true) : m.seq;
                }
                if (m.baseTimeUs != null && $Object.hasOwnProperty.call(m, "baseTimeUs")) {
                    if (typeof $BigInt !== "undefined" && o.longs === $BigInt)
                        d.baseTimeUs = typeof m.baseTimeUs === "number" ? $BigInt(m.baseTimeUs) : $util.Long.fromBits(m.baseTimeUs.low >>> 0, m.baseTimeUs.high >>> 0, true).toBigInt();
                    else if (typeof m.baseTimeUs === "number")
                        d.baseTimeUs = o.longs === $String ? $String(m.baseTimeUs) : m.baseTimeUs;
                    else
                        d.baseTimeUs = o.longs === $String ? $util.Long.prototype.toString.call(m.baseTimeUs) : o.longs === $Number ? new $util.LongBits(m.baseTimeUs.low >>> 0, m.baseTimeUs.high >>> 0).toNumber(true) : m.baseTimeUs;
                }
                if (m.can && m.can.length) {
                    d.can = $Array(m.can.length);
                    for (var j = 0; j < m.can.length; ++j) {
                        d.can[j] = $root.pitwall.v1.CanBlock.toObject(m.can[j], o, q + 1);
                    }
                }
                if (m.obd && m.obd.length) {
                    d.obd = $Array(m.obd.length);
                    for (var j = 0; j < m.obd.length; ++j) {
                        d.obd[j] = $root.pitwall.v1.ObdResponse.toObject(m.obd[j], o, q + 1);
                    }
                }
                if (m.dtc && m.dtc.length) {
                    d.dtc = $Array(m.dtc.length);
                    for (var j = 0; j < m.dtc.length; ++j) {
                        d.dtc[j] = $root.pitwall.v1.DtcRecord.toObject(m.dtc[j], o, q + 1);
                    }
                }
                if (m.gnss && m.gnss.length) {
                    d.gnss = $Array(m.gnss.length);
                    for (var j = 0; j < m.gnss.length; ++j) {
                        d.gnss[j] = $root.pitwall.v1.GnssFix.toObject(m.gnss[j], o, q + 1);
                    }
                }
                if (m.signals != null && $Object.hasOwnProperty.call(m, "signals")) {
                    d.signals = $root.pitwall.v1.SignalBlock.toObject(m.signals, o, q + 1);
                }
                if (m.firmware != null && $Object.hasOwnProperty.call(m, "firmware")) {
                    d.firmware = m.firmware;
                }
                return d;
            };

            /**
             * Converts this TelemetryBatch to JSON.
             * @function toJSON
             * @memberof pitwall.v1.TelemetryBatch
             * @instance
             * @returns {Object.<string,*>} JSON object
             */
            TelemetryBatch.prototype.toJSON = function() {
                return TelemetryBatch.toObject(this, $protobuf.util.toJSONOptions);
            };

            /**
             * Gets the type url for TelemetryBatch
             * @function getTypeUrl
             * @memberof pitwall.v1.TelemetryBatch
             * @static
             * @param {string} [prefix] Custom type url prefix, defaults to `"type.googleapis.com"`
             * @returns {string} The type url
             */
            TelemetryBatch.getTypeUrl = function(prefix) {
                if (prefix === $undefined)
                    prefix = "type.googleapis.com";
                return prefix + "/pitwall.v1.TelemetryBatch";
            };

            return TelemetryBatch;
        })();

        v1.CanBlock = (function() {

            /**
             * Properties of a CanBlock.
             * @typedef {Object} pitwall.v1.CanBlock.$Properties
             * @property {number|null} [bus] CanBlock bus
             * @property {Array.<number>|null} [dtUs] CanBlock dtUs
             * @property {Array.<number>|null} [id] CanBlock id
             * @property {Array.<number>|null} [len] CanBlock len
             * @property {Uint8Array|null} [data] CanBlock data
             * @property {Array.<number>|null} [flags] CanBlock flags
             * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
             */

            /**
             * Properties of a CanBlock.
             * @memberof pitwall.v1
             * @interface ICanBlock
             * @augments pitwall.v1.CanBlock.$Properties
             * @deprecated Use pitwall.v1.CanBlock.$Properties instead.
             */

            /**
             * Shape of a CanBlock.
             * @typedef {pitwall.v1.CanBlock.$Properties} pitwall.v1.CanBlock.$Shape
             */

            /**
             * Constructs a new CanBlock.
             * @memberof pitwall.v1
             * @classdesc Represents a CanBlock.
             * @constructor
             * @param {pitwall.v1.CanBlock.$Properties=} [p] Properties to set
             * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
             */
            const CanBlock = function (p) {
                this.dtUs = [];
                this.id = [];
                this.len = [];
                this.flags = [];
                if (p)
                    for (var ks = $Object.keys(p), i = 0; i < ks.length; ++i)
                        if (p[ks[i]] != null && ks[i] !== "__proto__")
                            this[ks[i]] = p[ks[i]];
            };

            /**
             * CanBlock bus.
             * @member {number} bus
             * @memberof pitwall.v1.CanBlock
             * @instance
             */
            CanBlock.prototype.bus = 0;

            /**
             * CanBlock dtUs.
             * @member {Array.<number>} dtUs
             * @memberof pitwall.v1.CanBlock
             * @instance
             */
            CanBlock.prototype.dtUs = $util.emptyArray;

            /**
             * CanBlock id.
             * @member {Array.<number>} id
             * @memberof pitwall.v1.CanBlock
             * @instance
             */
            CanBlock.prototype.id = $util.emptyArray;

            /**
             * CanBlock len.
             * @member {Array.<number>} len
             * @memberof pitwall.v1.CanBlock
             * @instance
             */
            CanBlock.prototype.len = $util.emptyArray;

            /**
             * CanBlock data.
             * @member {Uint8Array} data
             * @memberof pitwall.v1.CanBlock
             * @instance
             */
            CanBlock.prototype.data = $util.newBuffer([]);

            /**
             * CanBlock flags.
             * @member {Array.<number>} flags
             * @memberof pitwall.v1.CanBlock
             * @instance
             */
            CanBlock.prototype.flags = $util.emptyArray;

            /**
             * Creates a new CanBlock instance using the specified properties.
             * @function create
             * @memberof pitwall.v1.CanBlock
             * @static
             * @param {pitwall.v1.CanBlock.$Properties=} [properties] Properties to set
             * @returns {pitwall.v1.CanBlock} CanBlock instance
             * @type {{
             *   (properties: pitwall.v1.CanBlock.$Shape): pitwall.v1.CanBlock & pitwall.v1.CanBlock.$Shape;
             *   (properties?: pitwall.v1.CanBlock.$Properties): pitwall.v1.CanBlock;
             * }}
             */
            CanBlock.create = function(properties) {
                return new CanBlock(properties);
            };

            /**
             * Encodes the specified CanBlock message. Does not implicitly {@link pitwall.v1.CanBlock.verify|verify} messages.
             * @function encode
             * @memberof pitwall.v1.CanBlock
             * @static
             * @param {pitwall.v1.CanBlock.$Properties} m CanBlock message or plain object to encode
             * @param {$protobuf.Writer} [w] Writer to encode to
             * @returns {$protobuf.Writer} Writer
             */
            CanBlock.encode = function (m, w, q) {
                if (!w)
                    w = $Writer.create();
                if (q === $undefined)
                    q = 0;
                if (q > $util.recursionLimit)
                    throw $Error("max depth exceeded");
                if (m.bus != null && $Object.hasOwnProperty.call(m, "bus") && m.bus !== 0)
                    w.uint32(/* id 1, wireType 0 =*/8).uint32(m.bus);
                if (m.dtUs != null && m.dtUs.length) {
                    w.uint32(/* id 2, wireType 2 =*/18).uint32s(m.dtUs);
                }
                if (m.id != null && m.id.length) {
                    w.uint32(/* id 3, wireType 2 =*/26).uint32s(m.id);
                }
                if (m.len != null && m.len.length) {
                    w.uint32(/* id 4, wireType 2 =*/34).uint32s(m.len);
                }
                if (m.data != null && $Object.hasOwnProperty.call(m, "data") && m.data.length)
                    w.uint32(/* id 5, wireType 2 =*/42).bytes(m.data);
                if (m.flags != null && m.flags.length) {
                    w.uint32(/* id 6, wireType 2 =*/50).uint32s(m.flags);
                }
                if (m.$unknowns != null && $Object.hasOwnProperty.call(m, "$unknowns"))
                    for (var i = 0; i < m.$unknowns.length; ++i)
                        w.raw(m.$unknowns[i]);
                return w;
            };

            /**
             * Encodes the specified CanBlock message, length delimited. Does not implicitly {@link pitwall.v1.CanBlock.verify|verify} messages.
             * @function encodeDelimited
             * @memberof pitwall.v1.CanBlock
             * @static
             * @param {pitwall.v1.CanBlock.$Properties} message CanBlock message or plain object to encode
             * @param {$protobuf.Writer} [writer] Writer to encode to
             * @returns {$protobuf.Writer} Writer
             */
            CanBlock.encodeDelimited = function(message, writer) {
                return this.encode(message, (writer || $Writer.create()).fork()).ldelim();
            };

            /**
             * Decodes a CanBlock message from the specified reader or buffer.
             * @function decode
             * @memberof pitwall.v1.CanBlock
             * @static
             * @param {$protobuf.Reader|Uint8Array} r Reader or buffer to decode from
             * @param {number} [l] Message length if known beforehand
             * @returns {pitwall.v1.CanBlock & pitwall.v1.CanBlock.$Shape} CanBlock
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            CanBlock.decode = function (r, l, z, q, g) {
                if (!(r instanceof $Reader))
                    r = $Reader.create(r);
                if (q === $undefined)
                    q = 0;
                if (q > $Reader.recursionLimit)
                    throw $Error("max depth exceeded");
                var c, m, v;
                if (l === $undefined)
                    c = r.len;
                else {
                    c = r.pos + l;
                    if (c > r.len)
                        throw $RangeError("index out of range");
                    l = r.len;
                    r.len = c;
                }
                m = g || new $root.pitwall.v1.CanBlock();
                while (r.pos < c) {
                    var s = r.pos;
                    var t = r.tag();
                    if (t === z) {
                        z = $undefined;
                        break;
                    }
                    var u = t & 7;
                    switch (t >>>= 3) {
                    case 1: {
                            if (u !== 0)
                                break;
                            if (v = r.uint32())
                                m.bus = v;
                            else
                                delete m.bus;
                            continue;
                        }
                    case 2: {
                            if (u === 2) {
                                if (!(m.dtUs && m.dtUs.length))
                                    m.dtUs = [];
                                r.uint32s(m.dtUs);
                                continue;
                            }
                            if (u !== 0)
                                break;
                            if (!(m.dtUs && m.dtUs.length))
                                m.dtUs = [];
                            m.dtUs.push(r.uint32());
                            continue;
                        }
                    case 3: {
                            if (u === 2) {
                                if (!(m.id && m.id.length))
                                    m.id = [];
                                r.uint32s(m.id);
                                continue;
                            }
                            if (u !== 0)
                                break;
                            if (!(m.id && m.id.length))
                                m.id = [];
                            m.id.push(r.uint32());
                            continue;
                        }
                    case 4: {
                            if (u === 2) {
                                if (!(m.len && m.len.length))
                                    m.len = [];
                                r.uint32s(m.len);
                                continue;
                            }
                            if (u !== 0)
                                break;
                            if (!(m.len && m.len.length))
                                m.len = [];
                            m.len.push(r.uint32());
                            continue;
                        }
                    case 5: {
                            if (u !== 2)
                                break;
                            if ((v = r.bytes()).length)
                                m.data = v;
                            else
                                delete m.data;
                            continue;
                        }
                    case 6: {
                            if (u === 2) {
                                if (!(m.flags && m.flags.length))
                                    m.flags = [];
                                r.uint32s(m.flags);
                                continue;
                            }
                            if (u !== 0)
                                break;
                            if (!(m.flags && m.flags.length))
                                m.flags = [];
                            m.flags.push(r.uint32());
                            continue;
                        }
                    }
                    r.skipType(u, q, t);
                    if (!r.discardUnknown) {
                        $util.makeProp(m, "$unknowns", false);
                        (m.$unknowns || (m.$unknowns = [])).push(r.raw(s, r.pos));
                    }
                }
                if (l !== $undefined) {
                    if (r.pos !== c)
                        throw $RangeError("index out of range");
                    r.len = l;
                }
                if (z !== $undefined)
                    throw $Error("missing end group");
                return m;
            };

            /**
             * Decodes a CanBlock message from the specified reader or buffer, length delimited.
             * @function decodeDelimited
             * @memberof pitwall.v1.CanBlock
             * @static
             * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
             * @returns {pitwall.v1.CanBlock & pitwall.v1.CanBlock.$Shape} CanBlock
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            CanBlock.decodeDelimited = function(reader) {
                if (!(reader instanceof $Reader))
                    reader = new $Reader(reader);
                return this.decode(reader, reader.size());
            };

            /**
             * Verifies a CanBlock message.
             * @function verify
             * @memberof pitwall.v1.CanBlock
             * @static
             * @param {Object.<string,*>} m Plain object to verify
             * @returns {string|null} `null` if valid, otherwise the reason why it is not
             */
            CanBlock.verify = function (m, q) {
                if (typeof m !== "object" || m === null)
                    return "object expected";
                if (q === $undefined)
                    q = 0;
                if (q > $util.recursionLimit)
                    return "max depth exceeded";
                if (m.bus != null && $Object.hasOwnProperty.call(m, "bus")) {
                    if (!$util.isInteger(m.bus))
                        return "bus: integer expected";
                }
                if (m.dtUs != null && $Object.hasOwnProperty.call(m, "dtUs")) {
                    if (!$Array.isArray(m.dtUs))
                        return "dtUs: array expected";
                    for (var i = 0; i < m.dtUs.length; ++i) {
                        if (!$util.isInteger(m.dtUs[i]))
                            return "dtUs: integer[] expected";
                    }
                }
                if (m.id != null && $Object.hasOwnProperty.call(m, "id")) {
                    if (!$Array.isArray(m.id))
                        return "id: array expected";
                    for (var i = 0; i < m.id.length; ++i) {
                        if (!$util.isInteger(m.id[i]))
                            return "id: integer[] expected";
                    }
                }
                if (m.len != null && $Object.hasOwnProperty.call(m, "len")) {
                    if (!$Array.isArray(m.len))
                        return "len: array expected";
                    for (var i = 0; i < m.len.length; ++i) {
                        if (!$util.isInteger(m.len[i]))
                            return "len: integer[] expected";
                    }
                }
                if (m.data != null && $Object.hasOwnProperty.call(m, "data")) {
                    if (!(m.data && typeof m.data.length === "number" || $util.isString(m.data)))
                        return "data: buffer expected";
                }
                if (m.flags != null && $Object.hasOwnProperty.call(m, "flags")) {
                    if (!$Array.isArray(m.flags))
                        return "flags: array expected";
                    for (var i = 0; i < m.flags.length; ++i) {
                        if (!$util.isInteger(m.flags[i]))
                            return "flags: integer[] expected";
                    }
                }
                return null;
            };

            /**
             * Creates a CanBlock message from a plain object. Also converts values to their respective internal types.
             * @function fromObject
             * @memberof pitwall.v1.CanBlock
             * @static
             * @param {Object.<string,*>} d Plain object
             * @returns {pitwall.v1.CanBlock} CanBlock
             */
            CanBlock.fromObject = function (d, q) {
                if (d instanceof $root.pitwall.v1.CanBlock)
                    return d;
                if (!$util.isObject(d))
                    throw $TypeError(".pitwall.v1.CanBlock: object expected");
                if (q === $undefined)
                    q = 0;
                if (q > $util.recursionLimit)
                    throw $Error("max depth exceeded");
                var m = new $root.pitwall.v1.CanBlock();
                if (d.bus != null) {
                    if ($Number(d.bus) !== 0) {
                        m.bus = d.bus >>> 0;
                    }
                }
                if (d.dtUs) {
                    if (!$Array.isArray(d.dtUs))
                        throw $TypeError(".pitwall.v1.CanBlock.dtUs: array expected");
                    m.dtUs = $Array(d.dtUs.length);
                    for (var i = 0; i < d.dtUs.length; ++i) {
                        m.dtUs[i] = d.dtUs[i] >>> 0;
                    }
                }
                if (d.id) {
                    if (!$Array.isArray(d.id))
                        throw $TypeError(".pitwall.v1.CanBlock.id: array expected");
                    m.id = $Array(d.id.length);
                    for (var i = 0; i < d.id.length; ++i) {
                        m.id[i] = d.id[i] >>> 0;
                    }
                }
                if (d.len) {
                    if (!$Array.isArray(d.len))
                        throw $TypeError(".pitwall.v1.CanBlock.len: array expected");
                    m.len = $Array(d.len.length);
                    for (var i = 0; i < d.len.length; ++i) {
                        m.len[i] = d.len[i] >>> 0;
                    }
                }
                if (d.data != null) {
                    if (d.data.length) {
                        if (typeof d.data === "string")
                            $util.base64.decode(d.data, m.data = $util.newBuffer($util.base64.length(d.data)), 0);
                        else if (d.data.length >= 0)
                            m.data = d.data;
                    }
                }
                if (d.flags) {
                    if (!$Array.isArray(d.flags))
                        throw $TypeError(".pitwall.v1.CanBlock.flags: array expected");
                    m.flags = $Array(d.flags.length);
                    for (var i = 0; i < d.flags.length; ++i) {
                        m.flags[i] = d.flags[i] >>> 0;
                    }
                }
                return m;
            };

            /**
             * Creates a plain object from a CanBlock message. Also converts values to other types if specified.
             * @function toObject
             * @memberof pitwall.v1.CanBlock
             * @static
             * @param {pitwall.v1.CanBlock} m CanBlock
             * @param {$protobuf.IConversionOptions} [o] Conversion options
             * @returns {Object.<string,*>} Plain object
             */
            CanBlock.toObject = function (m, o, q) {
                if (!o)
                    o = {};
                if (q === $undefined)
                    q = 0;
                if (q > $util.recursionLimit)
                    throw $Error("max depth exceeded");
                var d = {};
                if (o.arrays || o.defaults) {
                    d.dtUs = [];
                    d.id = [];
                    d.len = [];
                    d.flags = [];
                }
                if (o.defaults) {
                    d.bus = 0;
                    if (o.bytes === $String)
                        d.data = "";
                    else {
                        d.data = [];
                        if (o.bytes !== $Array)
                            d.data = $util.newBuffer(d.data);
                    }
                }
                if (m.bus != null && $Object.hasOwnProperty.call(m, "bus")) {
                    d.bus = m.bus;
                }
                if (m.dtUs && m.dtUs.length) {
                    d.dtUs = $Array(m.dtUs.length);
                    for (var j = 0; j < m.dtUs.length; ++j) {
                        d.dtUs[j] = m.dtUs[j];
                    }
                }
                if (m.id && m.id.length) {
                    d.id = $Array(m.id.length);
                    for (var j = 0; j < m.id.length; ++j) {
                        d.id[j] = m.id[j];
                    }
                }
                if (m.len && m.len.length) {
                    d.len = $Array(m.len.length);
                    for (var j = 0; j < m.len.length; ++j) {
                        d.len[j] = m.len[j];
                    }
                }
                if (m.data != null && $Object.hasOwnProperty.call(m, "data")) {
                    d.data = o.bytes === $String ? $util.base64.encode(m.data, 0, m.data.length) : o.bytes === $Array ? $Array.prototype.slice.call(m.data) : m.data;
                }
                if (m.flags && m.flags.length) {
                    d.flags = $Array(m.flags.length);
                    for (var j = 0; j < m.flags.length; ++j) {
                        d.flags[j] = m.flags[j];
                    }
                }
                return d;
            };

            /**
             * Converts this CanBlock to JSON.
             * @function toJSON
             * @memberof pitwall.v1.CanBlock
             * @instance
             * @returns {Object.<string,*>} JSON object
             */
            CanBlock.prototype.toJSON = function() {
                return CanBlock.toObject(this, $protobuf.util.toJSONOptions);
            };

            /**
             * Gets the type url for CanBlock
             * @function getTypeUrl
             * @memberof pitwall.v1.CanBlock
             * @static
             * @param {string} [prefix] Custom type url prefix, defaults to `"type.googleapis.com"`
             * @returns {string} The type url
             */
            CanBlock.getTypeUrl = function(prefix) {
                if (prefix === $undefined)
                    prefix = "type.googleapis.com";
                return prefix + "/pitwall.v1.CanBlock";
            };

            return CanBlock;
        })();

        v1.ObdResponse = (function() {

            /**
             * Properties of an ObdResponse.
             * @typedef {Object} pitwall.v1.ObdResponse.$Properties
             * @property {number|null} [dtUs] ObdResponse dtUs
             * @property {number|null} [mode] ObdResponse mode
             * @property {number|null} [pid] ObdResponse pid
             * @property {Uint8Array|null} [data] ObdResponse data
             * @property {number|null} [ecu] ObdResponse ecu
             * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
             */

            /**
             * Properties of an ObdResponse.
             * @memberof pitwall.v1
             * @interface IObdResponse
             * @augments pitwall.v1.ObdResponse.$Properties
             * @deprecated Use pitwall.v1.ObdResponse.$Properties instead.
             */

            /**
             * Shape of an ObdResponse.
             * @typedef {pitwall.v1.ObdResponse.$Properties} pitwall.v1.ObdResponse.$Shape
             */

            /**
             * Constructs a new ObdResponse.
             * @memberof pitwall.v1
             * @classdesc Represents an ObdResponse.
             * @constructor
             * @param {pitwall.v1.ObdResponse.$Properties=} [p] Properties to set
             * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
             */
            const ObdResponse = function (p) {
                if (p)
                    for (var ks = $Object.keys(p), i = 0; i < ks.length; ++i)
                        if (p[ks[i]] != null && ks[i] !== "__proto__")
                            this[ks[i]] = p[ks[i]];
            };

            /**
             * ObdResponse dtUs.
             * @member {number} dtUs
             * @memberof pitwall.v1.ObdResponse
             * @instance
             */
            ObdResponse.prototype.dtUs = 0;

            /**
             * ObdResponse mode.
             * @member {number} mode
             * @memberof pitwall.v1.ObdResponse
             * @instance
             */
            ObdResponse.prototype.mode = 0;

            /**
             * ObdResponse pid.
             * @member {number} pid
             * @memberof pitwall.v1.ObdResponse
             * @instance
             */
            ObdResponse.prototype.pid = 0;

            /**
             * ObdResponse data.
             * @member {Uint8Array} data
             * @memberof pitwall.v1.ObdResponse
             * @instance
             */
            ObdResponse.prototype.data = $util.newBuffer([]);

            /**
             * ObdResponse ecu.
             * @member {number} ecu
             * @memberof pitwall.v1.ObdResponse
             * @instance
             */
            ObdResponse.prototype.ecu = 0;

            /**
             * Creates a new ObdResponse instance using the specified properties.
             * @function create
             * @memberof pitwall.v1.ObdResponse
             * @static
             * @param {pitwall.v1.ObdResponse.$Properties=} [properties] Properties to set
             * @returns {pitwall.v1.ObdResponse} ObdResponse instance
             * @type {{
             *   (properties: pitwall.v1.ObdResponse.$Shape): pitwall.v1.ObdResponse & pitwall.v1.ObdResponse.$Shape;
             *   (properties?: pitwall.v1.ObdResponse.$Properties): pitwall.v1.ObdResponse;
             * }}
             */
            ObdResponse.create = function(properties) {
                return new ObdResponse(properties);
            };

            /**
             * Encodes the specified ObdResponse message. Does not implicitly {@link pitwall.v1.ObdResponse.verify|verify} messages.
             * @function encode
             * @memberof pitwall.v1.ObdResponse
             * @static
             * @param {pitwall.v1.ObdResponse.$Properties} m ObdResponse message or plain object to encode
             * @param {$protobuf.Writer} [w] Writer to encode to
             * @returns {$protobuf.Writer} Writer
             */
            ObdResponse.encode = function (m, w, q) {
                if (!w)
                    w = $Writer.create();
                if (q === $undefined)
                    q = 0;
                if (q > $util.recursionLimit)
                    throw $Error("max depth exceeded");
                if (m.dtUs != null && $Object.hasOwnProperty.call(m, "dtUs") && m.dtUs !== 0)
                    w.uint32(/* id 1, wireType 0 =*/8).uint32(m.dtUs);
                if (m.mode != null && $Object.hasOwnProperty.call(m, "mode") && m.mode !== 0)
                    w.uint32(/* id 2, wireType 0 =*/16).uint32(m.mode);
                if (m.pid != null && $Object.hasOwnProperty.call(m, "pid") && m.pid !== 0)
                    w.uint32(/* id 3, wireType 0 =*/24).uint32(m.pid);
                if (m.data != null && $Object.hasOwnProperty.call(m, "data") && m.data.length)
                    w.uint32(/* id 4, wireType 2 =*/34).bytes(m.data);
                if (m.ecu != null && $Object.hasOwnProperty.call(m, "ecu") && m.ecu !== 0)
                    w.uint32(/* id 5, wireType 0 =*/40).uint32(m.ecu);
                if (m.$unknowns != null && $Object.hasOwnProperty.call(m, "$unknowns"))
                    for (var i = 0; i < m.$unknowns.length; ++i)
                        w.raw(m.$unknowns[i]);
                return w;
            };

            /**
             * Encodes the specified ObdResponse message, length delimited. Does not implicitly {@link pitwall.v1.ObdResponse.verify|verify} messages.
             * @function encodeDelimited
             * @memberof pitwall.v1.ObdResponse
             * @static
             * @param {pitwall.v1.ObdResponse.$Properties} message ObdResponse message or plain object to encode
             * @param {$protobuf.Writer} [writer] Writer to encode to
             * @returns {$protobuf.Writer} Writer
             */
            ObdResponse.encodeDelimited = function(message, writer) {
                return this.encode(message, (writer || $Writer.create()).fork()).ldelim();
            };

            /**
             * Decodes an ObdResponse message from the specified reader or buffer.
             * @function decode
             * @memberof pitwall.v1.ObdResponse
             * @static
             * @param {$protobuf.Reader|Uint8Array} r Reader or buffer to decode from
             * @param {number} [l] Message length if known beforehand
             * @returns {pitwall.v1.ObdResponse & pitwall.v1.ObdResponse.$Shape} ObdResponse
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            ObdResponse.decode = function (r, l, z, q, g) {
                if (!(r instanceof $Reader))
                    r = $Reader.create(r);
                if (q === $undefined)
                    q = 0;
                if (q > $Reader.recursionLimit)
                    throw $Error("max depth exceeded");
                var c, m, v;
                if (l === $undefined)
                    c = r.len;
                else {
                    c = r.pos + l;
                    if (c > r.len)
                        throw $RangeError("index out of range");
                    l = r.len;
                    r.len = c;
                }
                m = g || new $root.pitwall.v1.ObdResponse();
                while (r.pos < c) {
                    var s = r.pos;
                    var t = r.tag();
                    if (t === z) {
                        z = $undefined;
                        break;
                    }
                    var u = t & 7;
                    switch (t >>>= 3) {
                    case 1: {
                            if (u !== 0)
                                break;
                            if (v = r.uint32())
                                m.dtUs = v;
                            else
                                delete m.dtUs;
                            continue;
                        }
                    case 2: {
                            if (u !== 0)
                                break;
                            if (v = r.uint32())
                                m.mode = v;
                            else
                                delete m.mode;
                            continue;
                        }
                    case 3: {
                            if (u !== 0)
                                break;
                            if (v = r.uint32())
                                m.pid = v;
                            else
                                delete m.pid;
                            continue;
                        }
                    case 4: {
                            if (u !== 2)
                                break;
                            if ((v = r.bytes()).length)
                                m.data = v;
                            else
                                delete m.data;
                            continue;
                        }
                    case 5: {
                            if (u !== 0)
                                break;
                            if (v = r.uint32())
                                m.ecu = v;
                            else
                                delete m.ecu;
                            continue;
                        }
                    }
                    r.skipType(u, q, t);
                    if (!r.discardUnknown) {
                        $util.makeProp(m, "$unknowns", false);
                        (m.$unknowns || (m.$unknowns = [])).push(r.raw(s, r.pos));
                    }
                }
                if (l !== $undefined) {
                    if (r.pos !== c)
                        throw $RangeError("index out of range");
                    r.len = l;
                }
                if (z !== $undefined)
                    throw $Error("missing end group");
                return m;
            };

            /**
             * Decodes an ObdResponse message from the specified reader or buffer, length delimited.
             * @function decodeDelimited
             * @memberof pitwall.v1.ObdResponse
             * @static
             * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
             * @returns {pitwall.v1.ObdResponse & pitwall.v1.ObdResponse.$Shape} ObdResponse
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            ObdResponse.decodeDelimited = function(reader) {
                if (!(reader instanceof $Reader))
                    reader = new $Reader(reader);
                return this.decode(reader, reader.size());
            };

            /**
             * Verifies an ObdResponse message.
             * @function verify
             * @memberof pitwall.v1.ObdResponse
             * @static
             * @param {Object.<string,*>} m Plain object to verify
             * @returns {string|null} `null` if valid, otherwise the reason why it is not
             */
            ObdResponse.verify = function (m, q) {
                if (typeof m !== "object" || m === null)
                    return "object expected";
                if (q === $undefined)
                    q = 0;
                if (q > $util.recursionLimit)
                    return "max depth exceeded";
                if (m.dtUs != null && $Object.hasOwnProperty.call(m, "dtUs")) {
                    if (!$util.isInteger(m.dtUs))
                        return "dtUs: integer expected";
                }
                if (m.mode != null && $Object.hasOwnProperty.call(m, "mode")) {
                    if (!$util.isInteger(m.mode))
                        return "mode: integer expected";
                }
                if (m.pid != null && $Object.hasOwnProperty.call(m, "pid")) {
                    if (!$util.isInteger(m.pid))
                        return "pid: integer expected";
                }
                if (m.data != null && $Object.hasOwnProperty.call(m, "data")) {
                    if (!(m.data && typeof m.data.length === "number" || $util.isString(m.data)))
                        return "data: buffer expected";
                }
                if (m.ecu != null && $Object.hasOwnProperty.call(m, "ecu")) {
                    if (!$util.isInteger(m.ecu))
                        return "ecu: integer expected";
                }
                return null;
            };

            /**
             * Creates an ObdResponse message from a plain object. Also converts values to their respective internal types.
             * @function fromObject
             * @memberof pitwall.v1.ObdResponse
             * @static
             * @param {Object.<string,*>} d Plain object
             * @returns {pitwall.v1.ObdResponse} ObdResponse
             */
            ObdResponse.fromObject = function (d, q) {
                if (d instanceof $root.pitwall.v1.ObdResponse)
                    return d;
                if (!$util.isObject(d))
                    throw $TypeError(".pitwall.v1.ObdResponse: object expected");
                if (q === $undefined)
                    q = 0;
                if (q > $util.recursionLimit)
                    throw $Error("max depth exceeded");
                var m = new $root.pitwall.v1.ObdResponse();
                if (d.dtUs != null) {
                    if ($Number(d.dtUs) !== 0) {
                        m.dtUs = d.dtUs >>> 0;
                    }
                }
                if (d.mode != null) {
                    if ($Number(d.mode) !== 0) {
                        m.mode = d.mode >>> 0;
                    }
                }
                if (d.pid != null) {
                    if ($Number(d.pid) !== 0) {
                        m.pid = d.pid >>> 0;
                    }
                }
                if (d.data != null) {
                    if (d.data.length) {
                        if (typeof d.data === "string")
                            $util.base64.decode(d.data, m.data = $util.newBuffer($util.base64.length(d.data)), 0);
                        else if (d.data.length >= 0)
                            m.data = d.data;
                    }
                }
                if (d.ecu != null) {
                    if ($Number(d.ecu) !== 0) {
                        m.ecu = d.ecu >>> 0;
                    }
                }
                return m;
            };

            /**
             * Creates a plain object from an ObdResponse message. Also converts values to other types if specified.
             * @function toObject
             * @memberof pitwall.v1.ObdResponse
             * @static
             * @param {pitwall.v1.ObdResponse} m ObdResponse
             * @param {$protobuf.IConversionOptions} [o] Conversion options
             * @returns {Object.<string,*>} Plain object
             */
            ObdResponse.toObject = function (m, o, q) {
                if (!o)
                    o = {};
                if (q === $undefined)
                    q = 0;
                if (q > $util.recursionLimit)
                    throw $Error("max depth exceeded");
                var d = {};
                if (o.defaults) {
                    d.dtUs = 0;
                    d.mode = 0;
                    d.pid = 0;
                    if (o.bytes === $String)
                        d.data = "";
                    else {
                        d.data = [];
                        if (o.bytes !== $Array)
                            d.data = $util.newBuffer(d.data);
                    }
                    d.ecu = 0;
                }
                if (m.dtUs != null && $Object.hasOwnProperty.call(m, "dtUs")) {
                    d.dtUs = m.dtUs;
                }
                if (m.mode != null && $Object.hasOwnProperty.call(m, "mode")) {
                    d.mode = m.mode;
                }
                if (m.pid != null && $Object.hasOwnProperty.call(m, "pid")) {
                    d.pid = m.pid;
                }
                if (m.data != null && $Object.hasOwnProperty.call(m, "data")) {
                    d.data = o.bytes === $String ? $util.base64.encode(m.data, 0, m.data.length) : o.bytes === $Array ? $Array.prototype.slice.call(m.data) : m.data;
                }
                if (m.ecu != null && $Object.hasOwnProperty.call(m, "ecu")) {
                    d.ecu = m.ecu;
                }
                return d;
            };

            /**
             * Converts this ObdResponse to JSON.
             * @function toJSON
             * @memberof pitwall.v1.ObdResponse
             * @instance
             * @returns {Object.<string,*>} JSON object
             */
            ObdResponse.prototype.toJSON = function() {
                return ObdResponse.toObject(this, $protobuf.util.toJSONOptions);
            };

            /**
             * Gets the type url for ObdResponse
             * @function getTypeUrl
             * @memberof pitwall.v1.ObdResponse
             * @static
             * @param {string} [prefix] Custom type url prefix, defaults to `"type.googleapis.com"`
             * @returns {string} The type url
             */
            ObdResponse.getTypeUrl = function(prefix) {
                if (prefix === $undefined)
                    prefix = "type.googleapis.com";
                return prefix + "/pitwall.v1.ObdResponse";
            };

            return ObdResponse;
        })();

        v1.DtcRecord = (function() {

            /**
             * Properties of a DtcRecord.
             * @typedef {Object} pitwall.v1.DtcRecord.$Properties
             * @property {number|null} [dtUs] DtcRecord dtUs
             * @property {number|null} [dtc] DtcRecord dtc
             * @property {number|null} [status] DtcRecord status
             * @property {number|null} [ecu] DtcRecord ecu
             * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
             */

            /**
             * Properties of a DtcRecord.
             * @memberof pitwall.v1
             * @interface IDtcRecord
             * @augments pitwall.v1.DtcRecord.$Properties
             * @deprecated Use pitwall.v1.DtcRecord.$Properties instead.
             */

            /**
             * Shape of a DtcRecord.
             * @typedef {pitwall.v1.DtcRecord.$Properties} pitwall.v1.DtcRecord.$Shape
             */

            /**
             * Constructs a new DtcRecord.
             * @memberof pitwall.v1
             * @classdesc Represents a DtcRecord.
             * @constructor
             * @param {pitwall.v1.DtcRecord.$Properties=} [p] Properties to set
             * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
             */
            const DtcRecord = function (p) {
                if (p)
                    for (var ks = $Object.keys(p), i = 0; i < ks.length; ++i)
                        if (p[ks[i]] != null && ks[i] !== "__proto__")
                            this[ks[i]] = p[ks[i]];
            };

            /**
             * DtcRecord dtUs.
             * @member {number} dtUs
             * @memberof pitwall.v1.DtcRecord
             * @instance
             */
            DtcRecord.prototype.dtUs = 0;

            /**
             * DtcRecord dtc.
             * @member {number} dtc
             * @memberof pitwall.v1.DtcRecord
             * @instance
             */
            DtcRecord.prototype.dtc = 0;

            /**
             * DtcRecord status.
             * @member {number} status
             * @memberof pitwall.v1.DtcRecord
             * @instance
             */
            DtcRecord.prototype.status = 0;

            /**
             * DtcRecord ecu.
             * @member {number} ecu
             * @memberof pitwall.v1.DtcRecord
             * @instance
             */
            DtcRecord.prototype.ecu = 0;

            /**
             * Creates a new DtcRecord instance using the specified properties.
             * @function create
             * @memberof pitwall.v1.DtcRecord
             * @static
             * @param {pitwall.v1.DtcRecord.$Properties=} [properties] Properties to set
             * @returns {pitwall.v1.DtcRecord} DtcRecord instance
             * @type {{
             *   (properties: pitwall.v1.DtcRecord.$Shape): pitwall.v1.DtcRecord & pitwall.v1.DtcRecord.$Shape;
             *   (properties?: pitwall.v1.DtcRecord.$Properties): pitwall.v1.DtcRecord;
             * }}
             */
            DtcRecord.create = function(properties) {
                return new DtcRecord(properties);
            };

            /**
             * Encodes the specified DtcRecord message. Does not implicitly {@link pitwall.v1.DtcRecord.verify|verify} messages.
             * @function encode
             * @memberof pitwall.v1.DtcRecord
             * @static
             * @param {pitwall.v1.DtcRecord.$Properties} m DtcRecord message or plain object to encode
             * @param {$protobuf.Writer} [w] Writer to encode to
             * @returns {$protobuf.Writer} Writer
             */
            DtcRecord.encode = function (m, w, q) {
                if (!w)
                    w = $Writer.create();
                if (q === $undefined)
                    q = 0;
                if (q > $util.recursionLimit)
                    throw $Error("max depth exceeded");
                if (m.dtUs != null && $Object.hasOwnProperty.call(m, "dtUs") && m.dtUs !== 0)
                    w.uint32(/* id 1, wireType 0 =*/8).uint32(m.dtUs);
                if (m.dtc != null && $Object.hasOwnProperty.call(m, "dtc") && m.dtc !== 0)
                    w.uint32(/* id 2, wireType 0 =*/16).uint32(m.dtc);
                if (m.status != null && $Object.hasOwnProperty.call(m, "status") && m.status !== 0)
                    w.uint32(/* id 3, wireType 0 =*/24).uint32(m.status);
                if (m.ecu != null && $Object.hasOwnProperty.call(m, "ecu") && m.ecu !== 0)
                    w.uint32(/* id 4, wireType 0 =*/32).uint32(m.ecu);
                if (m.$unknowns != null && $Object.hasOwnProperty.call(m, "$unknowns"))
                    for (var i = 0; i < m.$unknowns.length; ++i)
                        w.raw(m.$unknowns[i]);
                return w;
            };

            /**
             * Encodes the specified DtcRecord message, length delimited. Does not implicitly {@link pitwall.v1.DtcRecord.verify|verify} messages.
             * @function encodeDelimited
             * @memberof pitwall.v1.DtcRecord
             * @static
             * @param {pitwall.v1.DtcRecord.$Properties} message DtcRecord message or plain object to encode
             * @param {$protobuf.Writer} [writer] Writer to encode to
             * @returns {$protobuf.Writer} Writer
             */
            DtcRecord.encodeDelimited = function(message, writer) {
                return this.encode(message, (writer || $Writer.create()).fork()).ldelim();
            };

            /**
             * Decodes a DtcRecord message from the specified reader or buffer.
             * @function decode
             * @memberof pitwall.v1.DtcRecord
             * @static
             * @param {$protobuf.Reader|Uint8Array} r Reader or buffer to decode from
             * @param {number} [l] Message length if known beforehand
             * @returns {pitwall.v1.DtcRecord & pitwall.v1.DtcRecord.$Shape} DtcRecord
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            DtcRecord.decode = function (r, l, z, q, g) {
                if (!(r instanceof $Reader))
                    r = $Reader.create(r);
                if (q === $undefined)
                    q = 0;
                if (q > $Reader.recursionLimit)
                    throw $Error("max depth exceeded");
                var c, m, v;
                if (l === $undefined)
                    c = r.len;
                else {
                    c = r.pos + l;
                    if (c > r.len)
                        throw $RangeError("index out of range");
                    l = r.len;
                    r.len = c;
                }
                m = g || new $root.pitwall.v1.DtcRecord();
                while (r.pos < c) {
                    var s = r.pos;
                    var t = r.tag();
                    if (t === z) {
                        z = $undefined;
                        break;
                    }
                    var u = t & 7;
                    switch (t >>>= 3) {
                    case 1: {
                            if (u !== 0)
                                break;
                            if (v = r.uint32())
                                m.dtUs = v;
                            else
                                delete m.dtUs;
                            continue;
                        }
                    case 2: {
                            if (u !== 0)
                                break;
                            if (v = r.uint32())
                                m.dtc = v;
                            else
                                delete m.dtc;
                            continue;
                        }
                    case 3: {
                            if (u !== 0)
                                break;
                            if (v = r.uint32())
                                m.status = v;
                            else
                                delete m.status;
                            continue;
                        }
                    case 4: {
                            if (u !== 0)
                                break;
                            if (v = r.uint32())
                                m.ecu = v;
                            else
                                delete m.ecu;
                            continue;
                        }
                    }
                    r.skipType(u, q, t);
                    if (!r.discardUnknown) {
                        $util.makeProp(m, "$unknowns", false);
                        (m.$unknowns || (m.$unknowns = [])).push(r.raw(s, r.pos));
                    }
                }
                if (l !== $undefined) {
                    if (r.pos !== c)
                        throw $RangeError("index out of range");
                    r.len = l;
                }
                if (z !== $undefined)
                    throw $Error("missing end group");
                return m;
            };

            /**
             * Decodes a DtcRecord message from the specified reader or buffer, length delimited.
             * @function decodeDelimited
             * @memberof pitwall.v1.DtcRecord
             * @static
             * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
             * @returns {pitwall.v1.DtcRecord & pitwall.v1.DtcRecord.$Shape} DtcRecord
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            DtcRecord.decodeDelimited = function(reader) {
                if (!(reader instanceof $Reader))
                    reader = new $Reader(reader);
                return this.decode(reader, reader.size());
            };

            /**
             * Verifies a DtcRecord message.
             * @function verify
             * @memberof pitwall.v1.DtcRecord
             * @static
             * @param {Object.<string,*>} m Plain object to verify
             * @returns {string|null} `null` if valid, otherwise the reason why it is not
             */
            DtcRecord.verify = function (m, q) {
                if (typeof m !== "object" || m === null)
                    return "object expected";
                if (q === $undefined)
                    q = 0;
                if (q > $util.recursionLimit)
                    return "max depth exceeded";
                if (m.dtUs != null && $Object.hasOwnProperty.call(m, "dtUs")) {
                    if (!$util.isInteger(m.dtUs))
                        return "dtUs: integer expected";
                }
                if (m.dtc != null && $Object.hasOwnProperty.call(m, "dtc")) {
                    if (!$util.isInteger(m.dtc))
                        return "dtc: integer expected";
                }
                if (m.status != null && $Object.hasOwnProperty.call(m, "status")) {
                    if (!$util.isInteger(m.status))
                        return "status: integer expected";
                }
                if (m.ecu != null && $Object.hasOwnProperty.call(m, "ecu")) {
                    if (!$util.isInteger(m.ecu))
                        return "ecu: integer expected";
                }
                return null;
            };

            /**
             * Creates a DtcRecord message from a plain object. Also converts values to their respective internal types.
             * @function fromObject
             * @memberof pitwall.v1.DtcRecord
             * @static
             * @param {Object.<string,*>} d Plain object
             * @returns {pitwall.v1.DtcRecord} DtcRecord
             */
            DtcRecord.fromObject = function (d, q) {
                if (d instanceof $root.pitwall.v1.DtcRecord)
                    return d;
                if (!$util.isObject(d))
                    throw $TypeError(".pitwall.v1.DtcRecord: object expected");
                if (q === $undefined)
                    q = 0;
                if (q > $util.recursionLimit)
                    throw $Error("max depth exceeded");
                var m = new $root.pitwall.v1.DtcRecord();
                if (d.dtUs != null) {
                    if ($Number(d.dtUs) !== 0) {
                        m.dtUs = d.dtUs >>> 0;
                    }
                }
                if (d.dtc != null) {
                    if ($Number(d.dtc) !== 0) {
                        m.dtc = d.dtc >>> 0;
                    }
                }
                if (d.status != null) {
                    if ($Number(d.status) !== 0) {
                        m.status = d.status >>> 0;
                    }
                }
                if (d.ecu != null) {
                    if ($Number(d.ecu) !== 0) {
                        m.ecu = d.ecu >>> 0;
                    }
                }
                return m;
            };

            /**
             * Creates a plain object from a DtcRecord message. Also converts values to other types if specified.
             * @function toObject
             * @memberof pitwall.v1.DtcRecord
             * @static
             * @param {pitwall.v1.DtcRecord} m DtcRecord
             * @param {$protobuf.IConversionOptions} [o] Conversion options
             * @returns {Object.<string,*>} Plain object
             */
            DtcRecord.toObject = function (m, o, q) {
                if (!o)
                    o = {};
                if (q === $undefined)
                    q = 0;
                if (q > $util.recursionLimit)
                    throw $Error("max depth exceeded");
                var d = {};
                if (o.defaults) {
                    d.dtUs = 0;
                    d.dtc = 0;
                    d.status = 0;
                    d.ecu = 0;
                }
                if (m.dtUs != null && $Object.hasOwnProperty.call(m, "dtUs")) {
                    d.dtUs = m.dtUs;
                }
                if (m.dtc != null && $Object.hasOwnProperty.call(m, "dtc")) {
                    d.dtc = m.dtc;
                }
                if (m.status != null && $Object.hasOwnProperty.call(m, "status")) {
                    d.status = m.status;
                }
                if (m.ecu != null && $Object.hasOwnProperty.call(m, "ecu")) {
                    d.ecu = m.ecu;
                }
                return d;
            };

            /**
             * Converts this DtcRecord to JSON.
             * @function toJSON
             * @memberof pitwall.v1.DtcRecord
             * @instance
             * @returns {Object.<string,*>} JSON object
             */
            DtcRecord.prototype.toJSON = function() {
                return DtcRecord.toObject(this, $protobuf.util.toJSONOptions);
            };

            /**
             * Gets the type url for DtcRecord
             * @function getTypeUrl
             * @memberof pitwall.v1.DtcRecord
             * @static
             * @param {string} [prefix] Custom type url prefix, defaults to `"type.googleapis.com"`
             * @returns {string} The type url
             */
            DtcRecord.getTypeUrl = function(prefix) {
                if (prefix === $undefined)
                    prefix = "type.googleapis.com";
                return prefix + "/pitwall.v1.DtcRecord";
            };

            return DtcRecord;
        })();

        v1.GnssFix = (function() {

            /**
             * Properties of a GnssFix.
             * @typedef {Object} pitwall.v1.GnssFix.$Properties
             * @property {number|null} [dtUs] GnssFix dtUs
             * @property {number|null} [latE7] GnssFix latE7
             * @property {number|null} [lonE7] GnssFix lonE7
             * @property {number|null} [speedCms] GnssFix speedCms
             * @property {number|null} [headingCdeg] GnssFix headingCdeg
             * @property {number|null} [altCm] GnssFix altCm
             * @property {number|null} [hdopC] GnssFix hdopC
             * @property {number|null} [satellites] GnssFix satellites
             * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
             */

            /**
             * Properties of a GnssFix.
             * @memberof pitwall.v1
             * @interface IGnssFix
             * @augments pitwall.v1.GnssFix.$Properties
             * @deprecated Use pitwall.v1.GnssFix.$Properties instead.
             */

            /**
             * Shape of a GnssFix.
             * @typedef {pitwall.v1.GnssFix.$Properties} pitwall.v1.GnssFix.$Shape
             */

            /**
             * Constructs a new GnssFix.
             * @memberof pitwall.v1
             * @classdesc Represents a GnssFix.
             * @constructor
             * @param {pitwall.v1.GnssFix.$Properties=} [p] Properties to set
             * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
             */
            const GnssFix = function (p) {
                if (p)
                    for (var ks = $Object.keys(p), i = 0; i < ks.length; ++i)
                        if (p[ks[i]] != null && ks[i] !== "__proto__")
                            this[ks[i]] = p[ks[i]];
            };

            /**
             * GnssFix dtUs.
             * @member {number} dtUs
             * @memberof pitwall.v1.GnssFix
             * @instance
             */
            GnssFix.prototype.dtUs = 0;

            /**
             * GnssFix latE7.
             * @member {number} latE7
             * @memberof pitwall.v1.GnssFix
             * @instance
             */
            GnssFix.prototype.latE7 = 0;

            /**
             * GnssFix lonE7.
             * @member {number} lonE7
             * @memberof pitwall.v1.GnssFix
             * @instance
             */
            GnssFix.prototype.lonE7 = 0;

            /**
             * GnssFix speedCms.
             * @member {number} speedCms
             * @memberof pitwall.v1.GnssFix
             * @instance
             */
            GnssFix.prototype.speedCms = 0;

            /**
             * GnssFix headingCdeg.
             * @member {number} headingCdeg
             * @memberof pitwall.v1.GnssFix
             * @instance
             */
            GnssFix.prototype.headingCdeg = 0;

            /**
             * GnssFix altCm.
             * @member {number} altCm
             * @memberof pitwall.v1.GnssFix
             * @instance
             */
            GnssFix.prototype.altCm = 0;

            /**
             * GnssFix hdopC.
             * @member {number} hdopC
             * @memberof pitwall.v1.GnssFix
             * @instance
             */
            GnssFix.prototype.hdopC = 0;

            /**
             * GnssFix satellites.
             * @member {number} satellites
             * @memberof pitwall.v1.GnssFix
             * @instance
             */
            GnssFix.prototype.satellites = 0;

            /**
             * Creates a new GnssFix instance using the specified properties.
             * @function create
             * @memberof pitwall.v1.GnssFix
             * @static
             * @param {pitwall.v1.GnssFix.$Properties=} [properties] Properties to set
             * @returns {pitwall.v1.GnssFix} GnssFix instance
             * @type {{
             *   (properties: pitwall.v1.GnssFix.$Shape): pitwall.v1.GnssFix & pitwall.v1.GnssFix.$Shape;
             *   (properties?: pitwall.v1.GnssFix.$Properties): pitwall.v1.GnssFix;
             * }}
             */
            GnssFix.create = function(properties) {
                return new GnssFix(properties);
            };

            /**
             * Encodes the specified GnssFix message. Does not implicitly {@link pitwall.v1.GnssFix.verify|verify} messages.
             * @function encode
             * @memberof pitwall.v1.GnssFix
             * @static
             * @param {pitwall.v1.GnssFix.$Properties} m GnssFix message or plain object to encode
             * @param {$protobuf.Writer} [w] Writer to encode to
             * @returns {$protobuf.Writer} Writer
             */
            GnssFix.encode = function (m, w, q) {
                if (!w)
                    w = $Writer.create();
                if (q === $undefined)
                    q = 0;
                if (q > $util.recursionLimit)
                    throw $Error("max depth exceeded");
                if (m.dtUs != null && $Object.hasOwnProperty.call(m, "dtUs") && m.dtUs !== 0)
                    w.uint32(/* id 1, wireType 0 =*/8).uint32(m.dtUs);
                if (m.latE7 != null && $Object.hasOwnProperty.call(m, "latE7") && m.latE7 !== 0)
                    w.uint32(/* id 2, wireType 0 =*/16).sint32(m.latE7);
                if (m.lonE7 != null && $Object.hasOwnProperty.call(m, "lonE7") && m.lonE7 !== 0)
                    w.uint32(/* id 3, wireType 0 =*/24).sint32(m.lonE7);
                if (m.speedCms != null && $Object.hasOwnProperty.call(m, "speedCms") && m.speedCms !== 0)
                    w.uint32(/* id 4, wireType 0 =*/32).uint32(m.speedCms);
                if (m.headingCdeg != null && $Object.hasOwnProperty.call(m, "headingCdeg") && m.headingCdeg !== 0)
                    w.uint32(/* id 5, wireType 0 =*/40).uint32(m.headingCdeg);
                if (m.altCm != null && $Object.hasOwnProperty.call(m, "altCm") && m.altCm !== 0)
                    w.uint32(/* id 6, wireType 0 =*/48).sint32(m.altCm);
                if (m.hdopC != null && $Object.hasOwnProperty.call(m, "hdopC") && m.hdopC !== 0)
                    w.uint32(/* id 7, wireType 0 =*/56).uint32(m.hdopC);
                if (m.satellites != null && $Object.hasOwnProperty.call(m, "satellites") && m.satellites !== 0)
                    w.uint32(/* id 8, wireType 0 =*/64).uint32(m.satellites);
                if (m.$unknowns != null && $Object.hasOwnProperty.call(m, "$unknowns"))
                    for (var i = 0; i < m.$unknowns.length; ++i)
                        w.raw(m.$unknowns[i]);
                return w;
            };

            /**
             * Encodes the specified GnssFix message, length delimited. Does not implicitly {@link pitwall.v1.GnssFix.verify|verify} messages.
             * @function encodeDelimited
             * @memberof pitwall.v1.GnssFix
             * @static
             * @param {pitwall.v1.GnssFix.$Properties} message GnssFix message or plain object to encode
             * @param {$protobuf.Writer} [writer] Writer to encode to
             * @returns {$protobuf.Writer} Writer
             */
            GnssFix.encodeDelimited = function(message, writer) {
                return this.encode(message, (writer || $Writer.create()).fork()).ldelim();
            };

            /**
             * Decodes a GnssFix message from the specified reader or buffer.
             * @function decode
             * @memberof pitwall.v1.GnssFix
             * @static
             * @param {$protobuf.Reader|Uint8Array} r Reader or buffer to decode from
             * @param {number} [l] Message length if known beforehand
             * @returns {pitwall.v1.GnssFix & pitwall.v1.GnssFix.$Shape} GnssFix
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            GnssFix.decode = function (r, l, z, q, g) {
                if (!(r instanceof $Reader))
                    r = $Reader.create(r);
                if (q === $undefined)
                    q = 0;
                if (q > $Reader.recursionLimit)
                    throw $Error("max depth exceeded");
                var c, m, v;
                if (l === $undefined)
                    c = r.len;
                else {
                    c = r.pos + l;
                    if (c > r.len)
                        throw $RangeError("index out of range");
                    l = r.len;
                    r.len = c;
                }
                m = g || new $root.pitwall.v1.GnssFix();
                while (r.pos < c) {
                    var s = r.pos;
                    var t = r.tag();
                    if (t === z) {
                        z = $undefined;
                        break;
                    }
                    var u = t & 7;
                    switch (t >>>= 3) {
                    case 1: {
                            if (u !== 0)
                                break;
                            if (v = r.uint32())
                                m.dtUs = v;
                            else
                                delete m.dtUs;
                            continue;
                        }
                    case 2: {
                            if (u !== 0)
                                break;
                            if (v = r.sint32())
                                m.latE7 = v;
                            else
                                delete m.latE7;
                            continue;
                        }
                    case 3: {
                            if (u !== 0)
                                break;
                            if (v = r.sint32())
                                m.lonE7 = v;
                            else
                                delete m.lonE7;
                            continue;
                        }
                    case 4: {
                            if (u !== 0)
                                break;
                            if (v = r.uint32())
                                m.speedCms = v;
                            else
                                delete m.speedCms;
                            continue;
                        }
                    case 5: {
                            if (u !== 0)
                                break;
                            if (v = r.uint32())
                                m.headingCdeg = v;
                            else
                                delete m.headingCdeg;
                            continue;
                        }
                    case 6: {
                            if (u !== 0)
                                break;
                            if (v = r.sint32())
                                m.altCm = v;
                            else
                                delete m.altCm;
                            continue;
                        }
                    case 7: {
                            if (u !== 0)
                                break;
                            if (v = r.uint32())
                                m.hdopC = v;
                            else
                                delete m.hdopC;
                            continue;
                        }
                    case 8: {
                            if (u !== 0)
                                break;
                            if (v = r.uint32())
                                m.satellites = v;
                            else
                                delete m.satellites;
                            continue;
                        }
                    }
                    r.skipType(u, q, t);
                    if (!r.discardUnknown) {
                        $util.makeProp(m, "$unknowns", false);
                        (m.$unknowns || (m.$unknowns = [])).push(r.raw(s, r.pos));
                    }
                }
                if (l !== $undefined) {
                    if (r.pos !== c)
                        throw $RangeError("index out of range");
                    r.len = l;
                }
                if (z !== $undefined)
                    throw $Error("missing end group");
                return m;
            };

            /**
             * Decodes a GnssFix message from the specified reader or buffer, length delimited.
             * @function decodeDelimited
             * @memberof pitwall.v1.GnssFix
             * @static
             * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
             * @returns {pitwall.v1.GnssFix & pitwall.v1.GnssFix.$Shape} GnssFix
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            GnssFix.decodeDelimited = function(reader) {
                if (!(reader instanceof $Reader))
                    reader = new $Reader(reader);
                return this.decode(reader, reader.size());
            };

            /**
             * Verifies a GnssFix message.
             * @function verify
             * @memberof pitwall.v1.GnssFix
             * @static
             * @param {Object.<string,*>} m Plain object to verify
             * @returns {string|null} `null` if valid, otherwise the reason why it is not
             */
            GnssFix.verify = function (m, q) {
                if (typeof m !== "object" || m === null)
                    return "object expected";
                if (q === $undefined)
                    q = 0;
                if (q > $util.recursionLimit)
                    return "max depth exceeded";
                if (m.dtUs != null && $Object.hasOwnProperty.call(m, "dtUs")) {
                    if (!$util.isInteger(m.dtUs))
                        return "dtUs: integer expected";
                }
                if (m.latE7 != null && $Object.hasOwnProperty.call(m, "latE7")) {
                    if (!$util.isInteger(m.latE7))
                        return "latE7: integer expected";
                }
                if (m.lonE7 != null && $Object.hasOwnProperty.call(m, "lonE7")) {
                    if (!$util.isInteger(m.lonE7))
                        return "lonE7: integer expected";
                }
                if (m.speedCms != null && $Object.hasOwnProperty.call(m, "speedCms")) {
                    if (!$util.isInteger(m.speedCms))
                        return "speedCms: integer expected";
                }
                if (m.headingCdeg != null && $Object.hasOwnProperty.call(m, "headingCdeg")) {
                    if (!$util.isInteger(m.headingCdeg))
                        return "headingCdeg: integer expected";
                }
                if (m.altCm != null && $Object.hasOwnProperty.call(m, "altCm")) {
                    if (!$util.isInteger(m.altCm))
                        return "altCm: integer expected";
                }
                if (m.hdopC != null && $Object.hasOwnProperty.call(m, "hdopC")) {
                    if (!$util.isInteger(m.hdopC))
                        return "hdopC: integer expected";
                }
                if (m.satellites != null && $Object.hasOwnProperty.call(m, "satellites")) {
                    if (!$util.isInteger(m.satellites))
                        return "satellites: integer expected";
                }
                return null;
            };

            /**
             * Creates a GnssFix message from a plain object. Also converts values to their respective internal types.
             * @function fromObject
             * @memberof pitwall.v1.GnssFix
             * @static
             * @param {Object.<string,*>} d Plain object
             * @returns {pitwall.v1.GnssFix} GnssFix
             */
            GnssFix.fromObject = function (d, q) {
                if (d instanceof $root.pitwall.v1.GnssFix)
                    return d;
                if (!$util.isObject(d))
                    throw $TypeError(".pitwall.v1.GnssFix: object expected");
                if (q === $undefined)
                    q = 0;
                if (q > $util.recursionLimit)
                    throw $Error("max depth exceeded");
                var m = new $root.pitwall.v1.GnssFix();
                if (d.dtUs != null) {
                    if ($Number(d.dtUs) !== 0) {
                        m.dtUs = d.dtUs >>> 0;
                    }
                }
                if (d.latE7 != null) {
                    if ($Number(d.latE7) !== 0) {
                        m.latE7 = d.latE7 | 0;
                    }
                }
                if (d.lonE7 != null) {
                    if ($Number(d.lonE7) !== 0) {
                        m.lonE7 = d.lonE7 | 0;
                    }
                }
                if (d.speedCms != null) {
                    if ($Number(d.speedCms) !== 0) {
                        m.speedCms = d.speedCms >>> 0;
                    }
                }
                if (d.headingCdeg != null) {
                    if ($Number(d.headingCdeg) !== 0) {
                        m.headingCdeg = d.headingCdeg >>> 0;
                    }
                }
                if (d.altCm != null) {
                    if ($Number(d.altCm) !== 0) {
                        m.altCm = d.altCm | 0;
                    }
                }
                if (d.hdopC != null) {
                    if ($Number(d.hdopC) !== 0) {
                        m.hdopC = d.hdopC >>> 0;
                    }
                }
                if (d.satellites != null) {
                    if ($Number(d.satellites) !== 0) {
                        m.satellites = d.satellites >>> 0;
                    }
                }
                return m;
            };

            /**
             * Creates a plain object from a GnssFix message. Also converts values to other types if specified.
             * @function toObject
             * @memberof pitwall.v1.GnssFix
             * @static
             * @param {pitwall.v1.GnssFix} m GnssFix
             * @param {$protobuf.IConversionOptions} [o] Conversion options
             * @returns {Object.<string,*>} Plain object
             */
            GnssFix.toObject = function (m, o, q) {
                if (!o)
                    o = {};
                if (q === $undefined)
                    q = 0;
                if (q > $util.recursionLimit)
                    throw $Error("max depth exceeded");
                var d = {};
                if (o.defaults) {
                    d.dtUs = 0;
                    d.latE7 = 0;
                    d.lonE7 = 0;
                    d.speedCms = 0;
                    d.headingCdeg = 0;
                    d.altCm = 0;
                    d.hdopC = 0;
                    d.satellites = 0;
                }
                if (m.dtUs != null && $Object.hasOwnProperty.call(m, "dtUs")) {
                    d.dtUs = m.dtUs;
                }
                if (m.latE7 != null && $Object.hasOwnProperty.call(m, "latE7")) {
                    d.latE7 = m.latE7;
                }
                if (m.lonE7 != null && $Object.hasOwnProperty.call(m, "lonE7")) {
                    d.lonE7 = m.lonE7;
                }
                if (m.speedCms != null && $Object.hasOwnProperty.call(m, "speedCms")) {
                    d.speedCms = m.speedCms;
                }
                if (m.headingCdeg != null && $Object.hasOwnProperty.call(m, "headingCdeg")) {
                    d.headingCdeg = m.headingCdeg;
                }
                if (m.altCm != null && $Object.hasOwnProperty.call(m, "altCm")) {
                    d.altCm = m.altCm;
                }
                if (m.hdopC != null && $Object.hasOwnProperty.call(m, "hdopC")) {
                    d.hdopC = m.hdopC;
                }
                if (m.satellites != null && $Object.hasOwnProperty.call(m, "satellites")) {
                    d.satellites = m.satellites;
                }
                return d;
            };

            /**
             * Converts this GnssFix to JSON.
             * @function toJSON
             * @memberof pitwall.v1.GnssFix
             * @instance
             * @returns {Object.<string,*>} JSON object
             */
            GnssFix.prototype.toJSON = function() {
                return GnssFix.toObject(this, $protobuf.util.toJSONOptions);
            };

            /**
             * Gets the type url for GnssFix
             * @function getTypeUrl
             * @memberof pitwall.v1.GnssFix
             * @static
             * @param {string} [prefix] Custom type url prefix, defaults to `"type.googleapis.com"`
             * @returns {string} The type url
             */
            GnssFix.getTypeUrl = function(prefix) {
                if (prefix === $undefined)
                    prefix = "type.googleapis.com";
                return prefix + "/pitwall.v1.GnssFix";
            };

            return GnssFix;
        })();

        v1.SignalBlock = (function() {

            /**
             * Properties of a SignalBlock.
             * @typedef {Object} pitwall.v1.SignalBlock.$Properties
             * @property {Array.<number>|null} [dtUs] SignalBlock dtUs
             * @property {Array.<number>|null} [signalId] SignalBlock signalId
             * @property {Array.<number>|null} [value] SignalBlock value
             * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
             */

            /**
             * Properties of a SignalBlock.
             * @memberof pitwall.v1
             * @interface ISignalBlock
             * @augments pitwall.v1.SignalBlock.$Properties
             * @deprecated Use pitwall.v1.SignalBlock.$Properties instead.
             */

            /**
             * Shape of a SignalBlock.
             * @typedef {pitwall.v1.SignalBlock.$Properties} pitwall.v1.SignalBlock.$Shape
             */

            /**
             * Constructs a new SignalBlock.
             * @memberof pitwall.v1
             * @classdesc Represents a SignalBlock.
             * @constructor
             * @param {pitwall.v1.SignalBlock.$Properties=} [p] Properties to set
             * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
             */
            const SignalBlock = function (p) {
                this.dtUs = [];
                this.signalId = [];
                this.value = [];
                if (p)
                    for (var ks = $Object.keys(p), i = 0; i < ks.length; ++i)
                        if (p[ks[i]] != null && ks[i] !== "__proto__")
                            this[ks[i]] = p[ks[i]];
            };

            /**
             * SignalBlock dtUs.
             * @member {Array.<number>} dtUs
             * @memberof pitwall.v1.SignalBlock
             * @instance
             */
            SignalBlock.prototype.dtUs = $util.emptyArray;

            /**
             * SignalBlock signalId.
             * @member {Array.<number>} signalId
             * @memberof pitwall.v1.SignalBlock
             * @instance
             */
            SignalBlock.prototype.signalId = $util.emptyArray;

            /**
             * SignalBlock value.
             * @member {Array.<number>} value
             * @memberof pitwall.v1.SignalBlock
             * @instance
             */
            SignalBlock.prototype.value = $util.emptyArray;

            /**
             * Creates a new SignalBlock instance using the specified properties.
             * @function create
             * @memberof pitwall.v1.SignalBlock
             * @static
             * @param {pitwall.v1.SignalBlock.$Properties=} [properties] Properties to set
             * @returns {pitwall.v1.SignalBlock} SignalBlock instance
             * @type {{
             *   (properties: pitwall.v1.SignalBlock.$Shape): pitwall.v1.SignalBlock & pitwall.v1.SignalBlock.$Shape;
             *   (properties?: pitwall.v1.SignalBlock.$Properties): pitwall.v1.SignalBlock;
             * }}
             */
            SignalBlock.create = function(properties) {
                return new SignalBlock(properties);
            };

            /**
             * Encodes the specified SignalBlock message. Does not implicitly {@link pitwall.v1.SignalBlock.verify|verify} messages.
             * @function encode
             * @memberof pitwall.v1.SignalBlock
             * @static
             * @param {pitwall.v1.SignalBlock.$Properties} m SignalBlock message or plain object to encode
             * @param {$protobuf.Writer} [w] Writer to encode to
             * @returns {$protobuf.Writer} Writer
             */
            SignalBlock.encode = function (m, w, q) {
                if (!w)
                    w = $Writer.create();
                if (q === $undefined)
                    q = 0;
                if (q > $util.recursionLimit)
                    throw $Error("max depth exceeded");
                if (m.dtUs != null && m.dtUs.length) {
                    w.uint32(/* id 1, wireType 2 =*/10).uint32s(m.dtUs);
                }
                if (m.signalId != null && m.signalId.length) {
                    w.uint32(/* id 2, wireType 2 =*/18).uint32s(m.signalId);
                }
                if (m.value != null && m.value.length) {
                    w.uint32(/* id 3, wireType 2 =*/26).doubles(m.value);
                }
                if (m.$unknowns != null && $Object.hasOwnProperty.call(m, "$unknowns"))
                    for (var i = 0; i < m.$unknowns.length; ++i)
                        w.raw(m.$unknowns[i]);
                return w;
            };

            /**
             * Encodes the specified SignalBlock message, length delimited. Does not implicitly {@link pitwall.v1.SignalBlock.verify|verify} messages.
             * @function encodeDelimited
             * @memberof pitwall.v1.SignalBlock
             * @static
             * @param {pitwall.v1.SignalBlock.$Properties} message SignalBlock message or plain object to encode
             * @param {$protobuf.Writer} [writer] Writer to encode to
             * @returns {$protobuf.Writer} Writer
             */
            SignalBlock.encodeDelimited = function(message, writer) {
                return this.encode(message, (writer || $Writer.create()).fork()).ldelim();
            };

            /**
             * Decodes a SignalBlock message from the specified reader or buffer.
             * @function decode
             * @memberof pitwall.v1.SignalBlock
             * @static
             * @param {$protobuf.Reader|Uint8Array} r Reader or buffer to decode from
             * @param {number} [l] Message length if known beforehand
             * @returns {pitwall.v1.SignalBlock & pitwall.v1.SignalBlock.$Shape} SignalBlock
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            SignalBlock.decode = function (r, l, z, q, g) {
                if (!(r instanceof $Reader))
                    r = $Reader.create(r);
                if (q === $undefined)
                    q = 0;
                if (q > $Reader.recursionLimit)
                    throw $Error("max depth exceeded");
                var c, m;
                if (l === $undefined)
                    c = r.len;
                else {
                    c = r.pos + l;
                    if (c > r.len)
                        throw $RangeError("index out of range");
                    l = r.len;
                    r.len = c;
                }
                m = g || new $root.pitwall.v1.SignalBlock();
                while (r.pos < c) {
                    var s = r.pos;
                    var t = r.tag();
                    if (t === z) {
                        z = $undefined;
                        break;
                    }
                    var u = t & 7;
                    switch (t >>>= 3) {
                    case 1: {
                            if (u === 2) {
                                if (!(m.dtUs && m.dtUs.length))
                                    m.dtUs = [];
                                r.uint32s(m.dtUs);
                                continue;
                            }
                            if (u !== 0)
                                break;
                            if (!(m.dtUs && m.dtUs.length))
                                m.dtUs = [];
                            m.dtUs.push(r.uint32());
                            continue;
                        }
                    case 2: {
                            if (u === 2) {
                                if (!(m.signalId && m.signalId.length))
                                    m.signalId = [];
                                r.uint32s(m.signalId);
                                continue;
                            }
                            if (u !== 0)
                                break;
                            if (!(m.signalId && m.signalId.length))
                                m.signalId = [];
                            m.signalId.push(r.uint32());
                            continue;
                        }
                    case 3: {
                            if (u === 2) {
                                if (!(m.value && m.value.length))
                                    m.value = [];
                                r.doubles(m.value);
                                continue;
                            }
                            if (u !== 1)
                                break;
                            if (!(m.value && m.value.length))
                                m.value = [];
                            m.value.push(r.double());
                            continue;
                        }
                    }
                    r.skipType(u, q, t);
                    if (!r.discardUnknown) {
                        $util.makeProp(m, "$unknowns", false);
                        (m.$unknowns || (m.$unknowns = [])).push(r.raw(s, r.pos));
                    }
                }
                if (l !== $undefined) {
                    if (r.pos !== c)
                        throw $RangeError("index out of range");
                    r.len = l;
                }
                if (z !== $undefined)
                    throw $Error("missing end group");
                return m;
            };

            /**
             * Decodes a SignalBlock message from the specified reader or buffer, length delimited.
             * @function decodeDelimited
             * @memberof pitwall.v1.SignalBlock
             * @static
             * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
             * @returns {pitwall.v1.SignalBlock & pitwall.v1.SignalBlock.$Shape} SignalBlock
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            SignalBlock.decodeDelimited = function(reader) {
                if (!(reader instanceof $Reader))
                    reader = new $Reader(reader);
                return this.decode(reader, reader.size());
            };

            /**
             * Verifies a SignalBlock message.
             * @function verify
             * @memberof pitwall.v1.SignalBlock
             * @static
             * @param {Object.<string,*>} m Plain object to verify
             * @returns {string|null} `null` if valid, otherwise the reason why it is not
             */
            SignalBlock.verify = function (m, q) {
                if (typeof m !== "object" || m === null)
                    return "object expected";
                if (q === $undefined)
                    q = 0;
                if (q > $util.recursionLimit)
                    return "max depth exceeded";
                if (m.dtUs != null && $Object.hasOwnProperty.call(m, "dtUs")) {
                    if (!$Array.isArray(m.dtUs))
                        return "dtUs: array expected";
                    for (var i = 0; i < m.dtUs.length; ++i) {
                        if (!$util.isInteger(m.dtUs[i]))
                            return "dtUs: integer[] expected";
                    }
                }
                if (m.signalId != null && $Object.hasOwnProperty.call(m, "signalId")) {
                    if (!$Array.isArray(m.signalId))
                        return "signalId: array expected";
                    for (var i = 0; i < m.signalId.length; ++i) {
                        if (!$util.isInteger(m.signalId[i]))
                            return "signalId: integer[] expected";
                    }
                }
                if (m.value != null && $Object.hasOwnProperty.call(m, "value")) {
                    if (!$Array.isArray(m.value))
                        return "value: array expected";
                    for (var i = 0; i < m.value.length; ++i) {
                        if (typeof m.value[i] !== "number")
                            return "value: number[] expected";
                    }
                }
                return null;
            };

            /**
             * Creates a SignalBlock message from a plain object. Also converts values to their respective internal types.
             * @function fromObject
             * @memberof pitwall.v1.SignalBlock
             * @static
             * @param {Object.<string,*>} d Plain object
             * @returns {pitwall.v1.SignalBlock} SignalBlock
             */
            SignalBlock.fromObject = function (d, q) {
                if (d instanceof $root.pitwall.v1.SignalBlock)
                    return d;
                if (!$util.isObject(d))
                    throw $TypeError(".pitwall.v1.SignalBlock: object expected");
                if (q === $undefined)
                    q = 0;
                if (q > $util.recursionLimit)
                    throw $Error("max depth exceeded");
                var m = new $root.pitwall.v1.SignalBlock();
                if (d.dtUs) {
                    if (!$Array.isArray(d.dtUs))
                        throw $TypeError(".pitwall.v1.SignalBlock.dtUs: array expected");
                    m.dtUs = $Array(d.dtUs.length);
                    for (var i = 0; i < d.dtUs.length; ++i) {
                        m.dtUs[i] = d.dtUs[i] >>> 0;
                    }
                }
                if (d.signalId) {
                    if (!$Array.isArray(d.signalId))
                        throw $TypeError(".pitwall.v1.SignalBlock.signalId: array expected");
                    m.signalId = $Array(d.signalId.length);
                    for (var i = 0; i < d.signalId.length; ++i) {
                        m.signalId[i] = d.signalId[i] >>> 0;
                    }
                }
                if (d.value) {
                    if (!$Array.isArray(d.value))
                        throw $TypeError(".pitwall.v1.SignalBlock.value: array expected");
                    m.value = $Array(d.value.length);
                    for (var i = 0; i < d.value.length; ++i) {
                        m.value[i] = $Number(d.value[i]);
                    }
                }
                return m;
            };

            /**
             * Creates a plain object from a SignalBlock message. Also converts values to other types if specified.
             * @function toObject
             * @memberof pitwall.v1.SignalBlock
             * @static
             * @param {pitwall.v1.SignalBlock} m SignalBlock
             * @param {$protobuf.IConversionOptions} [o] Conversion options
             * @returns {Object.<string,*>} Plain object
             */
            SignalBlock.toObject = function (m, o, q) {
                if (!o)
                    o = {};
                if (q === $undefined)
                    q = 0;
                if (q > $util.recursionLimit)
                    throw $Error("max depth exceeded");
                var d = {};
                if (o.arrays || o.defaults) {
                    d.dtUs = [];
                    d.signalId = [];
                    d.value = [];
                }
                if (m.dtUs && m.dtUs.length) {
                    d.dtUs = $Array(m.dtUs.length);
                    for (var j = 0; j < m.dtUs.length; ++j) {
                        d.dtUs[j] = m.dtUs[j];
                    }
                }
                if (m.signalId && m.signalId.length) {
                    d.signalId = $Array(m.signalId.length);
                    for (var j = 0; j < m.signalId.length; ++j) {
                        d.signalId[j] = m.signalId[j];
                    }
                }
                if (m.value && m.value.length) {
                    d.value = $Array(m.value.length);
                    for (var j = 0; j < m.value.length; ++j) {
                        d.value[j] = o.json && !$isFinite(m.value[j]) ? $String(m.value[j]) : m.value[j];
                    }
                }
                return d;
            };

            /**
             * Converts this SignalBlock to JSON.
             * @function toJSON
             * @memberof pitwall.v1.SignalBlock
             * @instance
             * @returns {Object.<string,*>} JSON object
             */
            SignalBlock.prototype.toJSON = function() {
                return SignalBlock.toObject(this, $protobuf.util.toJSONOptions);
            };

            /**
             * Gets the type url for SignalBlock
             * @function getTypeUrl
             * @memberof pitwall.v1.SignalBlock
             * @static
             * @param {string} [prefix] Custom type url prefix, defaults to `"type.googleapis.com"`
             * @returns {string} The type url
             */
            SignalBlock.getTypeUrl = function(prefix) {
                if (prefix === $undefined)
                    prefix = "type.googleapis.com";
                return prefix + "/pitwall.v1.SignalBlock";
            };

            return SignalBlock;
        })();

        v1.SignedCommand = (function() {

            /**
             * Properties of a SignedCommand.
             * @typedef {Object} pitwall.v1.SignedCommand.$Properties
             * @property {Uint8Array|null} [command] SignedCommand command
             * @property {string|null} [keyId] SignedCommand keyId
             * @property {Uint8Array|null} [signature] SignedCommand signature
             * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
             */

            /**
             * Properties of a SignedCommand.
             * @memberof pitwall.v1
             * @interface ISignedCommand
             * @augments pitwall.v1.SignedCommand.$Properties
             * @deprecated Use pitwall.v1.SignedCommand.$Properties instead.
             */

            /**
             * Shape of a SignedCommand.
             * @typedef {pitwall.v1.SignedCommand.$Properties} pitwall.v1.SignedCommand.$Shape
             */

            /**
             * Constructs a new SignedCommand.
             * @memberof pitwall.v1
             * @classdesc Represents a SignedCommand.
             * @constructor
             * @param {pitwall.v1.SignedCommand.$Properties=} [p] Properties to set
             * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
             */
            const SignedCommand = function (p) {
                if (p)
                    for (var ks = $Object.keys(p), i = 0; i < ks.length; ++i)
                        if (p[ks[i]] != null && ks[i] !== "__proto__")
                            this[ks[i]] = p[ks[i]];
            };

            /**
             * SignedCommand command.
             * @member {Uint8Array} command
             * @memberof pitwall.v1.SignedCommand
             * @instance
             */
            SignedCommand.prototype.command = $util.newBuffer([]);

            /**
             * SignedCommand keyId.
             * @member {string} keyId
             * @memberof pitwall.v1.SignedCommand
             * @instance
             */
            SignedCommand.prototype.keyId = "";

            /**
             * SignedCommand signature.
             * @member {Uint8Array} signature
             * @memberof pitwall.v1.SignedCommand
             * @instance
             */
            SignedCommand.prototype.signature = $util.newBuffer([]);

            /**
             * Creates a new SignedCommand instance using the specified properties.
             * @function create
             * @memberof pitwall.v1.SignedCommand
             * @static
             * @param {pitwall.v1.SignedCommand.$Properties=} [properties] Properties to set
             * @returns {pitwall.v1.SignedCommand} SignedCommand instance
             * @type {{
             *   (properties: pitwall.v1.SignedCommand.$Shape): pitwall.v1.SignedCommand & pitwall.v1.SignedCommand.$Shape;
             *   (properties?: pitwall.v1.SignedCommand.$Properties): pitwall.v1.SignedCommand;
             * }}
             */
            SignedCommand.create = function(properties) {
                return new SignedCommand(properties);
            };

            /**
             * Encodes the specified SignedCommand message. Does not implicitly {@link pitwall.v1.SignedCommand.verify|verify} messages.
             * @function encode
             * @memberof pitwall.v1.SignedCommand
             * @static
             * @param {pitwall.v1.SignedCommand.$Properties} m SignedCommand message or plain object to encode
             * @param {$protobuf.Writer} [w] Writer to encode to
             * @returns {$protobuf.Writer} Writer
             */
            SignedCommand.encode = function (m, w, q) {
                if (!w)
                    w = $Writer.create();
                if (q === $undefined)
                    q = 0;
                if (q > $util.recursionLimit)
                    throw $Error("max depth exceeded");
                if (m.command != null && $Object.hasOwnProperty.call(m, "command") && m.command.length)
                    w.uint32(/* id 1, wireType 2 =*/10).bytes(m.command);
                if (m.keyId != null && $Object.hasOwnProperty.call(m, "keyId") && m.keyId !== "")
                    w.uint32(/* id 2, wireType 2 =*/18).string(m.keyId);
                if (m.signature != null && $Object.hasOwnProperty.call(m, "signature") && m.signature.length)
                    w.uint32(/* id 3, wireType 2 =*/26).bytes(m.signature);
                if (m.$unknowns != null && $Object.hasOwnProperty.call(m, "$unknowns"))
                    for (var i = 0; i < m.$unknowns.length; ++i)
                        w.raw(m.$unknowns[i]);
                return w;
            };

            /**
             * Encodes the specified SignedCommand message, length delimited. Does not implicitly {@link pitwall.v1.SignedCommand.verify|verify} messages.
             * @function encodeDelimited
             * @memberof pitwall.v1.SignedCommand
             * @static
             * @param {pitwall.v1.SignedCommand.$Properties} message SignedCommand message or plain object to encode
             * @param {$protobuf.Writer} [writer] Writer to encode to
             * @returns {$protobuf.Writer} Writer
             */
            SignedCommand.encodeDelimited = function(message, writer) {
                return this.encode(message, (writer || $Writer.create()).fork()).ldelim();
            };

            /**
             * Decodes a SignedCommand message from the specified reader or buffer.
             * @function decode
             * @memberof pitwall.v1.SignedCommand
             * @static
             * @param {$protobuf.Reader|Uint8Array} r Reader or buffer to decode from
             * @param {number} [l] Message length if known beforehand
             * @returns {pitwall.v1.SignedCommand & pitwall.v1.SignedCommand.$Shape} SignedCommand
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            SignedCommand.decode = function (r, l, z, q, g) {
                if (!(r instanceof $Reader))
                    r = $Reader.create(r);
                if (q === $undefined)
                    q = 0;
                if (q > $Reader.recursionLimit)
                    throw $Error("max depth exceeded");
                var c, m, v;
                if (l === $undefined)
                    c = r.len;
                else {
                    c = r.pos + l;
                    if (c > r.len)
                        throw $RangeError("index out of range");
                    l = r.len;
                    r.len = c;
                }
                m = g || new $root.pitwall.v1.SignedCommand();
                while (r.pos < c) {
                    var s = r.pos;
                    var t = r.tag();
                    if (t === z) {
                        z = $undefined;
                        break;
                    }
                    var u = t & 7;
                    switch (t >>>= 3) {
                    case 1: {
                            if (u !== 2)
                                break;
                            if ((v = r.bytes()).length)
                                m.command = v;
                            else
                                delete m.command;
                            continue;
                        }
                    case 2: {
                            if (u !== 2)
                                break;
                            if ((v = r.stringVerify()).length)
                                m.keyId = v;
                            else
                                delete m.keyId;
                            continue;
                        }
                    case 3: {
                            if (u !== 2)
                                break;
                            if ((v = r.bytes()).length)
                                m.signature = v;
                            else
                                delete m.signature;
                            continue;
                        }
                    }
                    r.skipType(u, q, t);
                    if (!r.discardUnknown) {
                        $util.makeProp(m, "$unknowns", false);
                        (m.$unknowns || (m.$unknowns = [])).push(r.raw(s, r.pos));
                    }
                }
                if (l !== $undefined) {
                    if (r.pos !== c)
                        throw $RangeError("index out of range");
                    r.len = l;
                }
                if (z !== $undefined)
                    throw $Error("missing end group");
                return m;
            };

            /**
             * Decodes a SignedCommand message from the specified reader or buffer, length delimited.
             * @function decodeDelimited
             * @memberof pitwall.v1.SignedCommand
             * @static
             * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
             * @returns {pitwall.v1.SignedCommand & pitwall.v1.SignedCommand.$Shape} SignedCommand
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            SignedCommand.decodeDelimited = function(reader) {
                if (!(reader instanceof $Reader))
                    reader = new $Reader(reader);
                return this.decode(reader, reader.size());
            };

            /**
             * Verifies a SignedCommand message.
             * @function verify
             * @memberof pitwall.v1.SignedCommand
             * @static
             * @param {Object.<string,*>} m Plain object to verify
             * @returns {string|null} `null` if valid, otherwise the reason why it is not
             */
            SignedCommand.verify = function (m, q) {
                if (typeof m !== "object" || m === null)
                    return "object expected";
                if (q === $undefined)
                    q = 0;
                if (q > $util.recursionLimit)
                    return "max depth exceeded";
                if (m.command != null && $Object.hasOwnProperty.call(m, "command")) {
                    if (!(m.command && typeof m.command.length === "number" || $util.isString(m.command)))
                        return "command: buffer expected";
                }
                if (m.keyId != null && $Object.hasOwnProperty.call(m, "keyId")) {
                    if (!$util.isString(m.keyId))
                        return "keyId: string expected";
                }
                if (m.signature != null && $Object.hasOwnProperty.call(m, "signature")) {
                    if (!(m.signature && typeof m.signature.length === "number" || $util.isString(m.signature)))
                        return "signature: buffer expected";
                }
                return null;
            };

            /**
             * Creates a SignedCommand message from a plain object. Also converts values to their respective internal types.
             * @function fromObject
             * @memberof pitwall.v1.SignedCommand
             * @static
             * @param {Object.<string,*>} d Plain object
             * @returns {pitwall.v1.SignedCommand} SignedCommand
             */
            SignedCommand.fromObject = function (d, q) {
                if (d instanceof $root.pitwall.v1.SignedCommand)
                    return d;
                if (!$util.isObject(d))
                    throw $TypeError(".pitwall.v1.SignedCommand: object expected");
                if (q === $undefined)
                    q = 0;
                if (q > $util.recursionLimit)
                    throw $Error("max depth exceeded");
                var m = new $root.pitwall.v1.SignedCommand();
                if (d.command != null) {
                    if (d.command.length) {
                        if (typeof d.command === "string")
                            $util.base64.decode(d.command, m.command = $util.newBuffer($util.base64.length(d.command)), 0);
                        else if (d.command.length >= 0)
                            m.command = d.command;
                    }
                }
                if (d.keyId != null) {
                    if (typeof d.keyId !== "string" || d.keyId.length) {
                        m.keyId = $String(d.keyId);
                    }
                }
                if (d.signature != null) {
                    if (d.signature.length) {
                        if (typeof d.signature === "string")
                            $util.base64.decode(d.signature, m.signature = $util.newBuffer($util.base64.length(d.signature)), 0);
                        else if (d.signature.length >= 0)
                            m.signature = d.signature;
                    }
                }
                return m;
            };

            /**
             * Creates a plain object from a SignedCommand message. Also converts values to other types if specified.
             * @function toObject
             * @memberof pitwall.v1.SignedCommand
             * @static
             * @param {pitwall.v1.SignedCommand} m SignedCommand
             * @param {$protobuf.IConversionOptions} [o] Conversion options
             * @returns {Object.<string,*>} Plain object
             */
            SignedCommand.toObject = function (m, o, q) {
                if (!o)
                    o = {};
                if (q === $undefined)
                    q = 0;
                if (q > $util.recursionLimit)
                    throw $Error("max depth exceeded");
                var d = {};
                if (o.defaults) {
                    if (o.bytes === $String)
                        d.command = "";
                    else {
                        d.command = [];
                        if (o.bytes !== $Array)
                            d.command = $util.newBuffer(d.command);
                    }
                    d.keyId = "";
                    if (o.bytes === $String)
                        d.signature = "";
                    else {
                        d.signature = [];
                        if (o.bytes !== $Array)
                            d.signature = $util.newBuffer(d.signature);
                    }
                }
                if (m.command != null && $Object.hasOwnProperty.call(m, "command")) {
                    d.command = o.bytes === $String ? $util.base64.encode(m.command, 0, m.command.length) : o.bytes === $Array ? $Array.prototype.slice.call(m.command) : m.command;
                }
                if (m.keyId != null && $Object.hasOwnProperty.call(m, "keyId")) {
                    d.keyId = m.keyId;
                }
                if (m.signature != null && $Object.hasOwnProperty.call(m, "signature")) {
                    d.signature = o.bytes === $String ? $util.base64.encode(m.signature, 0, m.signature.length) : o.bytes === $Array ? $Array.prototype.slice.call(m.signature) : m.signature;
                }
                return d;
            };

            /**
             * Converts this SignedCommand to JSON.
             * @function toJSON
             * @memberof pitwall.v1.SignedCommand
             * @instance
             * @returns {Object.<string,*>} JSON object
             */
            SignedCommand.prototype.toJSON = function() {
                return SignedCommand.toObject(this, $protobuf.util.toJSONOptions);
            };

            /**
             * Gets the type url for SignedCommand
             * @function getTypeUrl
             * @memberof pitwall.v1.SignedCommand
             * @static
             * @param {string} [prefix] Custom type url prefix, defaults to `"type.googleapis.com"`
             * @returns {string} The type url
             */
            SignedCommand.getTypeUrl = function(prefix) {
                if (prefix === $undefined)
                    prefix = "type.googleapis.com";
                return prefix + "/pitwall.v1.SignedCommand";
            };

            return SignedCommand;
        })();

        v1.Command = (function() {

            /**
             * Properties of a Command.
             * @typedef {Object} pitwall.v1.Command.$Properties
             * @property {string|null} [id] Command id
             * @property {string|null} [vin] Command vin
             * @property {number|null} [issuedAtMs] Command issuedAtMs
             * @property {number|null} [expiresAtMs] Command expiresAtMs
             * @property {Uint8Array|null} [nonce] Command nonce
             * @property {pitwall.v1.OtaUpdate.$Properties|null} [ota] Command ota
             * @property {pitwall.v1.RemoteAction.$Properties|null} [action] Command action
             * @property {pitwall.v1.DiagnosticRequest.$Properties|null} [diagnostic] Command diagnostic
             * @property {"ota"|"action"|"diagnostic"} [body] Command body
             * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
             */

            /**
             * Properties of a Command.
             * @memberof pitwall.v1
             * @interface ICommand
             * @augments pitwall.v1.Command.$Properties
             * @deprecated Use pitwall.v1.Command.$Properties instead.
             */

            /**
             * Narrowed shape of a Command.
             * @typedef {{
             *   id?: string|null;
             *   vin?: string|null;
             *   issuedAtMs?: number|null;
             *   expiresAtMs?: number|null;
             *   nonce?: Uint8Array|null;
             *   ota?: pitwall.v1.OtaUpdate.$Shape|null;
             *   action?: pitwall.v1.RemoteAction.$Shape|null;
             *   diagnostic?: pitwall.v1.DiagnosticRequest.$Shape|null;
             *   $unknowns?: Array.<Uint8Array>;
             * } & (
             *   ({ body?: undefined; ota?: null; action?: null; diagnostic?: null }|{ body?: "ota"; ota: pitwall.v1.OtaUpdate.$Shape; action?: null; diagnostic?: null }|{ body?: "action"; ota?: null; action: pitwall.v1.RemoteAction.$Shape; diagnostic?: null }|{ body?: "diagnostic"; ota?: null; action?: null; diagnostic: pitwall.v1.DiagnosticRequest.$Shape })
             * )} pitwall.v1.Command.$Shape
             */

            /**
             * Constructs a new Command.
             * @memberof pitwall.v1
             * @classdesc Represents a Command.
             * @constructor
             * @param {pitwall.v1.Command.$Properties=} [p] Properties to set
             * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
             */
            const Command = function (p) {
                if (p)
                    for (var ks = $Object.keys(p), i = 0; i < ks.length; ++i)
                        if (p[ks[i]] != null && ks[i] !== "__proto__")
                            this[ks[i]] = p[ks[i]];
            };

            /**
             * Command id.
             * @member {string} id
             * @memberof pitwall.v1.Command
             * @instance
             */
            Command.prototype.id = "";

            /**
             * Command vin.
             * @member {string} vin
             * @memberof pitwall.v1.Command
             * @instance
             */
            Command.prototype.vin = "";

            /**
             * Command issuedAtMs.
             * @member {number} issuedAtMs
             * @memberof pitwall.v1.Command
             * @instance
             */
            Command.prototype.issuedAtMs = $util.Long ? $util.Long.fromBits(0,0,true) : 0;

            /**
             * Command expiresAtMs.
             * @member {number} expiresAtMs
             * @memberof pitwall.v1.Command
             * @instance
             */
            Command.prototype.expiresAtMs = $util.Long ? $util.Long.fromBits(0,0,true) : 0;

            /**
             * Command nonce.
             * @member {Uint8Array} nonce
             * @memberof pitwall.v1.Command
             * @instance
             */
            Command.prototype.nonce = $util.newBuffer([]);

            /**
             * Command ota.
             * @member {pitwall.v1.OtaUpdate.$Properties|null|undefined} ota
             * @memberof pitwall.v1.Command
             * @instance
             */
            Command.prototype.ota = null;

            /**
             * Command action.
             * @member {pitwall.v1.RemoteAction.$Properties|null|undefined} action
             * @memberof pitwall.v1.Command
             * @instance
             */
            Command.prototype.action = null;

            /**
             * Command diagnostic.
             * @member {pitwall.v1.DiagnosticRequest.$Properties|null|undefined} diagnostic
             * @memberof pitwall.v1.Command
             * @instance
             */
            Command.prototype.diagnostic = null;

            // OneOf field names bound to virtual getters and setters
            let $oneOfFields;

            /**
             * Command body.
             * @member {"ota"|"action"|"diagnostic"|undefined} body
             * @memberof pitwall.v1.Command
             * @instance
             */
            $Object.defineProperty(Command.prototype, "body", {
                get: $util.oneOfGetter($oneOfFields = ["ota", "action", "diagnostic"]),
                set: $util.oneOfSetter($oneOfFields)
            });

            /**
             * Creates a new Command instance using the specified properties.
             * @function create
             * @memberof pitwall.v1.Command
             * @static
             * @param {pitwall.v1.Command.$Properties=} [properties] Properties to set
             * @returns {pitwall.v1.Command} Command instance
             * @type {{
             *   (properties: pitwall.v1.Command.$Shape): pitwall.v1.Command & pitwall.v1.Command.$Shape;
             *   (properties?: pitwall.v1.Command.$Properties): pitwall.v1.Command;
             * }}
             */
            Command.create = function(properties) {
                return new Command(properties);
            };

            /**
             * Encodes the specified Command message. Does not implicitly {@link pitwall.v1.Command.verify|verify} messages.
             * @function encode
             * @memberof pitwall.v1.Command
             * @static
             * @param {pitwall.v1.Command.$Properties} m Command message or plain object to encode
             * @param {$protobuf.Writer} [w] Writer to encode to
             * @returns {$protobuf.Writer} Writer
             */
            Command.encode = function (m, w, q) {
                if (!w)
                    w = $Writer.create();
                if (q === $undefined)
                    q = 0;
                if (q > $util.recursionLimit)
                    throw $Error("max depth exceeded");
                if (m.id != null && $Object.hasOwnProperty.call(m, "id") && m.id !== "")
                    w.uint32(/* id 1, wireType 2 =*/10).string(m.id);
                if (m.vin != null && $Object.hasOwnProperty.call(m, "vin") && m.vin !== "")
                    w.uint32(/* id 2, wireType 2 =*/18).string(m.vin);
                if (m.issuedAtMs != null && $Object.hasOwnProperty.call(m, "issuedAtMs") && (typeof m.issuedAtMs === "object" ? m.issuedAtMs.low || m.issuedAtMs.high : m.issuedAtMs !== 0))
                    w.uint32(/* id 3, wireType 0 =*/24).uint64(m.issuedAtMs);
                if (m.expiresAtMs != null && $Object.hasOwnProperty.call(m, "expiresAtMs") && (typeof m.expiresAtMs === "object" ? m.expiresAtMs.low || m.expiresAtMs.high : m.expiresAtMs !== 0))
                    w.uint32(/* id 4, wireType 0 =*/32).uint64(m.expiresAtMs);
                if (m.nonce != null && $Object.hasOwnProperty.call(m, "nonce") && m.nonce.length)
                    w.uint32(/* id 5, wireType 2 =*/42).bytes(m.nonce);
                if (m.ota != null && $Object.hasOwnProperty.call(m, "ota"))
                    $root.pitwall.v1.OtaUpdate.encode(m.ota, w.uint32(/* id 10, wireType 2 =*/82).fork(), q + 1).ldelim();
                if (m.action != null && $Object.hasOwnProperty.call(m, "action"))
                    $root.pitwall.v1.RemoteAction.encode(m.action, w.uint32(/* id 11, wireType 2 =*/90).fork(), q + 1).ldelim();
                if (m.diagnostic != null && $Object.hasOwnProperty.call(m, "diagnostic"))
                    $root.pitwall.v1.DiagnosticRequest.encode(m.diagnostic, w.uint32(/* id 12, wireType 2 =*/98).fork(), q + 1).ldelim();
                if (m.$unknowns != null && $Object.hasOwnProperty.call(m, "$unknowns"))
                    for (var i = 0; i < m.$unknowns.length; ++i)
                        w.raw(m.$unknowns[i]);
                return w;
            };

            /**
             * Encodes the specified Command message, length delimited. Does not implicitly {@link pitwall.v1.Command.verify|verify} messages.
             * @function encodeDelimited
             * @memberof pitwall.v1.Command
             * @static
             * @param {pitwall.v1.Command.$Properties} message Command message or plain object to encode
             * @param {$protobuf.Writer} [writer] Writer to encode to
             * @returns {$protobuf.Writer} Writer
             */
            Command.encodeDelimited = function(message, writer) {
                return this.encode(message, (writer || $Writer.create()).fork()).ldelim();
            };

            /**
             * Decodes a Command message from the specified reader or buffer.
             * @function decode
             * @memberof pitwall.v1.Command
             * @static
             * @param {$protobuf.Reader|Uint8Array} r Reader or buffer to decode from
             * @param {number} [l] Message length if known beforehand
             * @returns {pitwall.v1.Command & pitwall.v1.Command.$Shape} Command
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            Command.decode = function (r, l, z, q, g) {
                if (!(r instanceof $Reader))
                    r = $Reader.create(r);
                if (q === $undefined)
                    q = 0;
                if (q > $Reader.recursionLimit)
                    throw $Error("max depth exceeded");
                var c, m, v;
                if (l === $undefined)
                    c = r.len;
                else {
                    c = r.pos + l;
                    if (c > r.len)
                        throw $RangeError("index out of range");
                    l = r.len;
                    r.len = c;
                }
                m = g || new $root.pitwall.v1.Command();
                while (r.pos < c) {
                    var s = r.pos;
                    var t = r.tag();
                    if (t === z) {
                        z = $undefined;
                        break;
                    }
                    var u = t & 7;
                    switch (t >>>= 3) {
                    case 1: {
                            if (u !== 2)
                                break;
                            if ((v = r.stringVerify()).length)
                                m.id = v;
                            else
                                delete m.id;
                            continue;
                        }
                    case 2: {
                            if (u !== 2)
                                break;
                            if ((v = r.stringVerify()).length)
                                m.vin = v;
                            else
                                delete m.vin;
                            continue;
                        }
                    case 3: {
                            if (u !== 0)
                                break;
                            if (typeof (v = r.uint64()) === "object" ? v.low || v.high : v !== 0)
                                m.issuedAtMs = v;
                            else
                                delete m.issuedAtMs;
                            continue;
                        }
                    case 4: {
                            if (u !== 0)
                                break;
                            if (typeof (v = r.uint64()) === "object" ? v.low || v.high : v !== 0)
                                m.expiresAtMs = v;
                            else
                                delete m.expiresAtMs;
                            continue;
                        }
                    case 5: {
                            if (u !== 2)
                                break;
                            if ((v = r.bytes()).length)
                                m.nonce = v;
                            else
                                delete m.nonce;
                            continue;
                        }
                    case 10: {
                            if (u !== 2)
                                break;
                            m.ota = $root.pitwall.v1.OtaUpdate.decode(r, r.size(), $undefined, q + 1, m.ota);
                            m.body = "ota";
                            continue;
                        }
                    case 11: {
                            if (u !== 2)
                                break;
                            m.action = $root.pitwall.v1.RemoteAction.decode(r, r.size(), $undefined, q + 1, m.action);
                            m.body = "action";
                            continue;
                        }
                    case 12: {
                            if (u !== 2)
                                break;
                            m.diagnostic = $root.pitwall.v1.DiagnosticRequest.decode(r, r.size(), $undefined, q + 1, m.diagnostic);
                            m.body = "diagnostic";
                            continue;
                        }
                    }
                    r.skipType(u, q, t);
                    if (!r.discardUnknown) {
                        $util.makeProp(m, "$unknowns", false);
                        (m.$unknowns || (m.$unknowns = [])).push(r.raw(s, r.pos));
                    }
                }
                if (l !== $undefined) {
                    if (r.pos !== c)
                        throw $RangeError("index out of range");
                    r.len = l;
                }
                if (z !== $undefined)
                    throw $Error("missing end group");
                return m;
            };

            /**
             * Decodes a Command message from the specified reader or buffer, length delimited.
             * @function decodeDelimited
             * @memberof pitwall.v1.Command
             * @static
             * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
             * @returns {pitwall.v1.Command & pitwall.v1.Command.$Shape} Command
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            Command.decodeDelimited = function(reader) {
                if (!(reader instanceof $Reader))
                    reader = new $Reader(reader);
                return this.decode(reader, reader.size());
            };

            /**
             * Verifies a Command message.
             * @function verify
             * @memberof pitwall.v1.Command
             * @static
             * @param {Object.<string,*>} m Plain object to verify
             * @returns {string|null} `null` if valid, otherwise the reason why it is not
             */
            Command.verify = function (m, q) {
                if (typeof m !== "object" || m === null)
                    return "object expected";
                if (q === $undefined)
                    q = 0;
                if (q > $util.recursionLimit)
                    return "max depth exceeded";
                var p = {};
                if (m.id != null && $Object.hasOwnProperty.call(m, "id")) {
                    if (!$util.isString(m.id))
                        return "id: string expected";
                }
                if (m.vin != null && $Object.hasOwnProperty.call(m, "vin")) {
                    if (!$util.isString(m.vin))
                        return "vin: string expected";
                }
                if (m.issuedAtMs != null && $Object.hasOwnProperty.call(m, "issuedAtMs")) {
                    if (!$util.isInteger(m.issuedAtMs) && !(m.issuedAtMs && $util.isInteger(m.issuedAtMs.low) && $util.isInteger(m.issuedAtMs.high)))
                        return "issuedAtMs: integer|Long expected";
                }
                if (m.expiresAtMs != null && $Object.hasOwnProperty.call(m, "expiresAtMs")) {
                    if (!$util.isInteger(m.expiresAtMs) && !(m.expiresAtMs && $util.isInteger(m.expiresAtMs.low) && $util.isInteger(m.expiresAtMs.high)))
                        return "expiresAtMs: integer|Long expected";
                }
                if (m.nonce != null && $Object.hasOwnProperty.call(m, "nonce")) {
                    if (!(m.nonce && typeof m.nonce.length === "number" || $util.isString(m.nonce)))
                        return "nonce: buffer expected";
                }
                if (m.ota != null && $Object.hasOwnProperty.call(m, "ota")) {
                    p.body = 1;
                    {
                        var e = $root.pitwall.v1.OtaUpdate.verify(m.ota, q + 1);
                        if (e)
                            return "ota." + e;
                    }
                }
                if (m.action != null && $Object.hasOwnProperty.call(m, "action")) {
                    if (p.body === 1)
                        return "body: multiple values";
                    p.body = 1;
                    {
                        var e = $root.pitwall.v1.RemoteAction.verify(m.action, q + 1);
                        if (e)
                            return "action." + e;
                    }
                }
                if (m.diagnostic != null && $Object.hasOwnProperty.call(m, "diagnostic")) {
                    if (p.body === 1)
                        return "body: multiple values";
                    p.body = 1;
                    {
                        var e = $root.pitwall.v1.DiagnosticRequest.verify(m.diagnostic, q + 1);
                        if (e)
                            return "diagnostic." + e;
                    }
                }
                return null;
            };

            /**
             * Creates a Command message from a plain object. Also converts values to their respective internal types.
             * @function fromObject
             * @memberof pitwall.v1.Command
             * @static
             * @param {Object.<string,*>} d Plain object
             * @returns {pitwall.v1.Command} Command
             */
            Command.fromObject = function (d, q) {
                if (d instanceof $root.pitwall.v1.Command)
                    return d;
                if (!$util.isObject(d))
                    throw $TypeError(".pitwall.v1.Command: object expected");
                if (q === $undefined)
                    q = 0;
                if (q > $util.recursionLimit)
                    throw $Error("max depth exceeded");
                var m = new $root.pitwall.v1.Command();
                if (d.id != null) {
                    if (typeof d.id !== "string" || d.id.length) {
                        m.id = $String(d.id);
                    }
                }
                if (d.vin != null) {
                    if (typeof d.vin !== "string" || d.vin.length) {
                        m.vin = $String(d.vin);
                    }
                }
                if (d.issuedAtMs != null) {
                    if (typeof d.issuedAtMs === "object" ? d.issuedAtMs.low || d.issuedAtMs.high : $Number(d.issuedAtMs) !== 0) {
                        if ($util.Long)
                            m.issuedAtMs = $util.Long.fromValue(d.issuedAtMs, true);
                        else if (typeof d.issuedAtMs === "string")
                            m.issuedAtMs = $parseInt(d.issuedAtMs, 10);
                        else if (typeof d.issuedAtMs === "number")
                            m.issuedAtMs = d.issuedAtMs;
                        else if (typeof d.issuedAtMs === "object")
                            m.issuedAtMs = new $util.LongBits(d.issuedAtMs.low >>> 0, d.issuedAtMs.high >>> 0).toNumber(true);
                    }
                }
                if (d.expiresAtMs != null) {
                    if (typeof d.expiresAtMs === "object" ? d.expiresAtMs.low || d.expiresAtMs.high : $Number(d.expiresAtMs) !== 0) {
                        if ($util.Long)
                            m.expiresAtMs = $util.Long.fromValue(d.expiresAtMs, true);
                        else if (typeof d.expiresAtMs === "string")
                            m.expiresAtMs = $parseInt(d.expiresAtMs, 10);
                        else if (typeof d.expiresAtMs === "number")
                            m.expiresAtMs = d.expiresAtMs;
                        else if (typeof d.expiresAtMs === "object")
                            m.expiresAtMs = new $util.LongBits(d.expiresAtMs.low >>> 0, d.expiresAtMs.high >>> 0).toNumber(true);
                    }
                }
                if (d.nonce != null) {
                    if (d.nonce.length) {
                        if (typeof d.nonce === "string")
                            $util.base64.decode(d.nonce, m.nonce = $util.newBuffer($util.base64.length(d.nonce)), 0);
                        else if (d.nonce.length >= 0)
                            m.nonce = d.nonce;
                    }
                }
                if (d.ota != null) {
                    if (!$util.isObject(d.ota))
                        throw $TypeError(".pitwall.v1.Command.ota: object expected");
                    m.ota = $root.pitwall.v1.OtaUpdate.fromObject(d.ota, q + 1);
                }
                if (d.action != null) {
                    if (!$util.isObject(d.action))
                        throw $TypeError(".pitwall.v1.Command.action: object expected");
                    m.action = $root.pitwall.v1.RemoteAction.fromObject(d.action, q + 1);
                }
                if (d.diagnostic != null) {
                    if (!$util.isObject(d.diagnostic))
                        throw $TypeError(".pitwall.v1.Command.diagnostic: object expected");
                    m.diagnostic = $root.pitwall.v1.DiagnosticRequest.fromObject(d.diagnostic, q + 1);
                }
                return m;
            };

            /**
             * Creates a plain object from a Command message. Also converts values to other types if specified.
             * @function toObject
             * @memberof pitwall.v1.Command
             * @static
             * @param {pitwall.v1.Command} m Command
             * @param {$protobuf.IConversionOptions} [o] Conversion options
             * @returns {Object.<string,*>} Plain object
             */
            Command.toObject = function (m, o, q) {
                if (!o)
                    o = {};
                if (q === $undefined)
                    q = 0;
                if (q > $util.recursionLimit)
                    throw $Error("max depth exceeded");
                var d = {};
                if (o.defaults) {
                    d.id = "";
                    d.vin = "";
                    if ($util.Long) {
                        var n = new $util.Long(0, 0, true);
                        d.issuedAtMs = o.longs === $String ? n.toString() : o.longs === $Number ? n.toNumber() : typeof $BigInt !== "undefined" && o.longs === $BigInt ? n.toBigInt() : n;
                    } else
                        d.issuedAtMs = o.longs === $String ? "0" : typeof $BigInt !== "undefined" && o.longs === $BigInt ? $BigInt("0") : 0;
                    if ($util.Long) {
                        var n = new $util.Long(0, 0, true);
                        d.expiresAtMs = o.longs === $String ? n.toString() : o.longs === $Number ? n.toNumber() : typeof $BigInt !== "undefined" && o.longs === $BigInt ? n.toBigInt() : n;
                    } else
                        d.expiresAtMs = o.longs === $String ? "0" : typeof $BigInt !== "undefined" && o.longs === $BigInt ? $BigInt("0") : 0;
                    if (o.bytes === $String)
                        d.nonce = "";
                    else {
                        d.nonce = [];
                        if (o.bytes !== $Array)
                            d.nonce = $util.newBuffer(d.nonce);
                    }
                }
                if (m.id != null && $Object.hasOwnProperty.call(m, "id")) {
                    d.id = m.id;
                }
                if (m.vin != null && $Object.hasOwnProperty.call(m, "vin")) {
                    d.vin = m.vin;
                }
                if (m.issuedAtMs != null && $Object.hasOwnProperty.call(m, "issuedAtMs")) {
                    if (typeof $BigInt !== "undefined" && o.longs === $BigInt)
                        d.issuedAtMs = typeof m.issuedAtMs === "number" ? $BigInt(m.issuedAtMs) : $util.Long.fromBits(m.issuedAtMs.low >>> 0, m.issuedAtMs.high >>> 0, true).toBigInt();
                    else if (typeof m.issuedAtMs === "number")
                        d.issuedAtMs = o.longs === $String ? $String(m.issuedAtMs) : m.issuedAtMs;
                    else
                        d.issuedAtMs = o.longs === $String ? $util.Long.prototype.toString.call(m.issuedAtMs) : o.longs === $Number ? new $util.LongBits(m.issuedAtMs.low >>> 0, m.issuedAtMs.high >>> 0).toNumber(true) : m.issuedAtMs;
                }
                if (m.expiresAtMs != null && $Object.hasOwnProperty.call(m, "expiresAtMs")) {
                    if (typeof $BigInt !== "undefined" && o.longs === $BigInt)
                        d.expiresAtMs = typeof m.expiresAtMs === "number" ? $BigInt(m.expiresAtMs) : $util.Long.fromBits(m.expiresAtMs.low >>> 0, m.expiresAtMs.high >>> 0, true).toBigInt();
                    else if (typeof m.expiresAtMs === "number")
                        d.expiresAtMs = o.longs === $String ? $String(m.expiresAtMs) : m.expiresAtMs;
                    else
                        d.expiresAtMs = o.longs === $String ? $util.Long.prototype.toString.call(m.expiresAtMs) : o.longs === $Number ? new $util.LongBits(m.expiresAtMs.low >>> 0, m.expiresAtMs.high >>> 0).toNumber(true) : m.expiresAtMs;
                }
                if (m.nonce != null && $Object.hasOwnProperty.call(m, "nonce")) {
                    d.nonce = o.bytes === $String ? $util.base64.encode(m.nonce, 0, m.nonce.length) : o.bytes === $Array ? $Array.prototype.slice.call(m.nonce) : m.nonce;
                }
                if (m.ota != null && $Object.hasOwnProperty.call(m, "ota")) {
                    d.ota = $root.pitwall.v1.OtaUpdate.toObject(m.ota, o, q + 1);
                    if (o.oneofs)
                        d.body = "ota";
                }
                if (m.action != null && $Object.hasOwnProperty.call(m, "action")) {
                    d.action = $root.pitwall.v1.RemoteAction.toObject(m.action, o, q + 1);
                    if (o.oneofs)
                        d.body = "action";
                }
                if (m.diagnostic != null && $Object.hasOwnProperty.call(m, "diagnostic")) {
                    d.diagnostic = $root.pitwall.v1.DiagnosticRequest.toObject(m.diagnostic, o, q + 1);
                    if (o.oneofs)
                        d.body = "diagnostic";
                }
                return d;
            };

            /**
             * Converts this Command to JSON.
             * @function toJSON
             * @memberof pitwall.v1.Command
             * @instance
             * @returns {Object.<string,*>} JSON object
             */
            Command.prototype.toJSON = function() {
                return Command.toObject(this, $protobuf.util.toJSONOptions);
            };

            /**
             * Gets the type url for Command
             * @function getTypeUrl
             * @memberof pitwall.v1.Command
             * @static
             * @param {string} [prefix] Custom type url prefix, defaults to `"type.googleapis.com"`
             * @returns {string} The type url
             */
            Command.getTypeUrl = function(prefix) {
                if (prefix === $undefined)
                    prefix = "type.googleapis.com";
                return prefix + "/pitwall.v1.Command";
            };

            return Command;
        })();

        v1.OtaUpdate = (function() {

            /**
             * Properties of an OtaUpdate.
             * @typedef {Object} pitwall.v1.OtaUpdate.$Properties
             * @property {string|null} ["package"] OtaUpdate package
             * @property {string|null} [version] OtaUpdate version
             * @property {string|null} [url] OtaUpdate url
             * @property {Uint8Array|null} [sha256] OtaUpdate sha256
             * @property {number|null} [size] OtaUpdate size
             * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
             */

            /**
             * Properties of an OtaUpdate.
             * @memberof pitwall.v1
             * @interface IOtaUpdate
             * @augments pitwall.v1.OtaUpdate.$Properties
             * @deprecated Use pitwall.v1.OtaUpdate.$Properties instead.
             */

            /**
             * Shape of an OtaUpdate.
             * @typedef {pitwall.v1.OtaUpdate.$Properties} pitwall.v1.OtaUpdate.$Shape
             */

            /**
             * Constructs a new OtaUpdate.
             * @memberof pitwall.v1
             * @classdesc Represents an OtaUpdate.
             * @constructor
             * @param {pitwall.v1.OtaUpdate.$Properties=} [p] Properties to set
             * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
             */
            const OtaUpdate = function (p) {
                if (p)
                    for (var ks = $Object.keys(p), i = 0; i < ks.length; ++i)
                        if (p[ks[i]] != null && ks[i] !== "__proto__")
                            this[ks[i]] = p[ks[i]];
            };

            /**
             * OtaUpdate package.
             * @member {string} package
             * @memberof pitwall.v1.OtaUpdate
             * @instance
             */
            OtaUpdate.prototype["package"] = "";

            /**
             * OtaUpdate version.
             * @member {string} version
             * @memberof pitwall.v1.OtaUpdate
             * @instance
             */
            OtaUpdate.prototype.version = "";

            /**
             * OtaUpdate url.
             * @member {string} url
             * @memberof pitwall.v1.OtaUpdate
             * @instance
             */
            OtaUpdate.prototype.url = "";

            /**
             * OtaUpdate sha256.
             * @member {Uint8Array} sha256
             * @memberof pitwall.v1.OtaUpdate
             * @instance
             */
            OtaUpdate.prototype.sha256 = $util.newBuffer([]);

            /**
             * OtaUpdate size.
             * @member {number} size
             * @memberof pitwall.v1.OtaUpdate
             * @instance
             */
            OtaUpdate.prototype.size = $util.Long ? $util.Long.fromBits(0,0,true) : 0;

            /**
             * Creates a new OtaUpdate instance using the specified properties.
             * @function create
             * @memberof pitwall.v1.OtaUpdate
             * @static
             * @param {pitwall.v1.OtaUpdate.$Properties=} [properties] Properties to set
             * @returns {pitwall.v1.OtaUpdate} OtaUpdate instance
             * @type {{
             *   (properties: pitwall.v1.OtaUpdate.$Shape): pitwall.v1.OtaUpdate & pitwall.v1.OtaUpdate.$Shape;
             *   (properties?: pitwall.v1.OtaUpdate.$Properties): pitwall.v1.OtaUpdate;
             * }}
             */
            OtaUpdate.create = function(properties) {
                return new OtaUpdate(properties);
            };

            /**
             * Encodes the specified OtaUpdate message. Does not implicitly {@link pitwall.v1.OtaUpdate.verify|verify} messages.
             * @function encode
             * @memberof pitwall.v1.OtaUpdate
             * @static
             * @param {pitwall.v1.OtaUpdate.$Properties} m OtaUpdate message or plain object to encode
             * @param {$protobuf.Writer} [w] Writer to encode to
             * @returns {$protobuf.Writer} Writer
             */
            OtaUpdate.encode = function (m, w, q) {
                if (!w)
                    w = $Writer.create();
                if (q === $undefined)
                    q = 0;
                if (q > $util.recursionLimit)
                    throw $Error("max depth exceeded");
                if (m["package"] != null && $Object.hasOwnProperty.call(m, "package") && m["package"] !== "")
                    w.uint32(/* id 1, wireType 2 =*/10).string(m["package"]);
                if (m.version != null && $Object.hasOwnProperty.call(m, "version") && m.version !== "")
                    w.uint32(/* id 2, wireType 2 =*/18).string(m.version);
                if (m.url != null && $Object.hasOwnProperty.call(m, "url") && m.url !== "")
                    w.uint32(/* id 3, wireType 2 =*/26).string(m.url);
                if (m.sha256 != null && $Object.hasOwnProperty.call(m, "sha256") && m.sha256.length)
                    w.uint32(/* id 4, wireType 2 =*/34).bytes(m.sha256);
                if (m.size != null && $Object.hasOwnProperty.call(m, "size") && (typeof m.size === "object" ? m.size.low || m.size.high : m.size !== 0))
                    w.uint32(/* id 5, wireType 0 =*/40).uint64(m.size);
                if (m.$unknowns != null && $Object.hasOwnProperty.call(m, "$unknowns"))
                    for (var i = 0; i < m.$unknowns.length; ++i)
                        w.raw(m.$unknowns[i]);
                return w;
            };

            /**
             * Encodes the specified OtaUpdate message, length delimited. Does not implicitly {@link pitwall.v1.OtaUpdate.verify|verify} messages.
             * @function encodeDelimited
             * @memberof pitwall.v1.OtaUpdate
             * @static
             * @param {pitwall.v1.OtaUpdate.$Properties} message OtaUpdate message or plain object to encode
             * @param {$protobuf.Writer} [writer] Writer to encode to
             * @returns {$protobuf.Writer} Writer
             */
            OtaUpdate.encodeDelimited = function(message, writer) {
                return this.encode(message, (writer || $Writer.create()).fork()).ldelim();
            };

            /**
             * Decodes an OtaUpdate message from the specified reader or buffer.
             * @function decode
             * @memberof pitwall.v1.OtaUpdate
             * @static
             * @param {$protobuf.Reader|Uint8Array} r Reader or buffer to decode from
             * @param {number} [l] Message length if known beforehand
             * @returns {pitwall.v1.OtaUpdate & pitwall.v1.OtaUpdate.$Shape} OtaUpdate
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            OtaUpdate.decode = function (r, l, z, q, g) {
                if (!(r instanceof $Reader))
                    r = $Reader.create(r);
                if (q === $undefined)
                    q = 0;
                if (q > $Reader.recursionLimit)
                    throw $Error("max depth exceeded");
                var c, m, v;
                if (l === $undefined)
                    c = r.len;
                else {
                    c = r.pos + l;
                    if (c > r.len)
                        throw $RangeError("index out of range");
                    l = r.len;
                    r.len = c;
                }
                m = g || new $root.pitwall.v1.OtaUpdate();
                while (r.pos < c) {
                    var s = r.pos;
                    var t = r.tag();
                    if (t === z) {
                        z = $undefined;
                        break;
                    }
                    var u = t & 7;
                    switch (t >>>= 3) {
                    case 1: {
                            if (u !== 2)
                                break;
                            if ((v = r.stringVerify()).length)
                                m["package"] = v;
                            else
                                delete m["package"];
                            continue;
                        }
                    case 2: {
                            if (u !== 2)
                                break;
                            if ((v = r.stringVerify()).length)
                                m.version = v;
                            else
                                delete m.version;
                            continue;
                        }
                    case 3: {
                            if (u !== 2)
                                break;
                            if ((v = r.stringVerify()).length)
                                m.url = v;
                            else
                                delete m.url;
                            continue;
                        }
                    case 4: {
                            if (u !== 2)
                                break;
                            if ((v = r.bytes()).length)
                                m.sha256 = v;
                            else
                                delete m.sha256;
                            continue;
                        }
                    case 5: {
                            if (u !== 0)
                                break;
                            if (typeof (v = r.uint64()) === "object" ? v.low || v.high : v !== 0)
                                m.size = v;
                            else
                                delete m.size;
                            continue;
                        }
                    }
                    r.skipType(u, q, t);
                    if (!r.discardUnknown) {
                        $util.makeProp(m, "$unknowns", false);
                        (m.$unknowns || (m.$unknowns = [])).push(r.raw(s, r.pos));
                    }
                }
                if (l !== $undefined) {
                    if (r.pos !== c)
                        throw $RangeError("index out of range");
                    r.len = l;
                }
                if (z !== $undefined)
                    throw $Error("missing end group");
                return m;
            };

            /**
             * Decodes an OtaUpdate message from the specified reader or buffer, length delimited.
             * @function decodeDelimited
             * @memberof pitwall.v1.OtaUpdate
             * @static
             * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
             * @returns {pitwall.v1.OtaUpdate & pitwall.v1.OtaUpdate.$Shape} OtaUpdate
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            OtaUpdate.decodeDelimited = function(reader) {
                if (!(reader instanceof $Reader))
                    reader = new $Reader(reader);
                return this.decode(reader, reader.size());
            };

            /**
             * Verifies an OtaUpdate message.
             * @function verify
             * @memberof pitwall.v1.OtaUpdate
             * @static
             * @param {Object.<string,*>} m Plain object to verify
             * @returns {string|null} `null` if valid, otherwise the reason why it is not
             */
            OtaUpdate.verify = function (m, q) {
                if (typeof m !== "object" || m === null)
                    return "object expected";
                if (q === $undefined)
                    q = 0;
                if (q > $util.recursionLimit)
                    return "max depth exceeded";
                if (m["package"] != null && $Object.hasOwnProperty.call(m, "package")) {
                    if (!$util.isString(m["package"]))
                        return "package: string expected";
                }
                if (m.version != null && $Object.hasOwnProperty.call(m, "version")) {
                    if (!$util.isString(m.version))
                        return "version: string expected";
                }
                if (m.url != null && $Object.hasOwnProperty.call(m, "url")) {
                    if (!$util.isString(m.url))
                        return "url: string expected";
                }
                if (m.sha256 != null && $Object.hasOwnProperty.call(m, "sha256")) {
                    if (!(m.sha256 && typeof m.sha256.length === "number" || $util.isString(m.sha256)))
                        return "sha256: buffer expected";
                }
                if (m.size != null && $Object.hasOwnProperty.call(m, "size")) {
                    if (!$util.isInteger(m.size) && !(m.size && $util.isInteger(m.size.low) && $util.isInteger(m.size.high)))
                        return "size: integer|Long expected";
                }
                return null;
            };

            /**
             * Creates an OtaUpdate message from a plain object. Also converts values to their respective internal types.
             * @function fromObject
             * @memberof pitwall.v1.OtaUpdate
             * @static
             * @param {Object.<string,*>} d Plain object
             * @returns {pitwall.v1.OtaUpdate} OtaUpdate
             */
            OtaUpdate.fromObject = function (d, q) {
                if (d instanceof $root.pitwall.v1.OtaUpdate)
                    return d;
                if (!$util.isObject(d))
                    throw $TypeError(".pitwall.v1.OtaUpdate: object expected");
                if (q === $undefined)
                    q = 0;
                if (q > $util.recursionLimit)
                    throw $Error("max depth exceeded");
                var m = new $root.pitwall.v1.OtaUpdate();
                if (d["package"] != null) {
                    if (typeof d["package"] !== "string" || d["package"].length) {
                        m["package"] = $String(d["package"]);
                    }
                }
                if (d.version != null) {
                    if (typeof d.version !== "string" || d.version.length) {
                        m.version = $String(d.version);
                    }
                }
                if (d.url != null) {
                    if (typeof d.url !== "string" || d.url.length) {
                        m.url = $String(d.url);
                    }
                }
                if (d.sha256 != null) {
                    if (d.sha256.length) {
                        if (typeof d.sha256 === "string")
                            $util.base64.decode(d.sha256, m.sha256 = $util.newBuffer($util.base64.length(d.sha256)), 0);
                        else if (d.sha256.length >= 0)
                            m.sha256 = d.sha256;
                    }
                }
                if (d.size != null) {
                    if (typeof d.size === "object" ? d.size.low || d.size.high : $Number(d.size) !== 0) {
                        if ($util.Long)
                            m.size = $util.Long.fromValue(d.size, true);
                        else if (typeof d.size === "string")
                            m.size = $parseInt(d.size, 10);
                        else if (typeof d.size === "number")
                            m.size = d.size;
                        else if (typeof d.size === "object")
                            m.size = new $util.LongBits(d.size.low >>> 0, d.size.high >>> 0).toNumber(true);
                    }
                }
                return m;
            };

            /**
             * Creates a plain object from an OtaUpdate message. Also converts values to other types if specified.
             * @function toObject
             * @memberof pitwall.v1.OtaUpdate
             * @static
             * @param {pitwall.v1.OtaUpdate} m OtaUpdate
             * @param {$protobuf.IConversionOptions} [o] Conversion options
             * @returns {Object.<string,*>} Plain object
             */
            OtaUpdate.toObject = function (m, o, q) {
                if (!o)
                    o = {};
                if (q === $undefined)
                    q = 0;
                if (q > $util.recursionLimit)
                    throw $Error("max depth exceeded");
                var d = {};
                if (o.defaults) {
                    d["package"] = "";
                    d.version = "";
                    d.url = "";
                    if (o.bytes === $String)
                        d.sha256 = "";
                    else {
                        d.sha256 = [];
                        if (o.bytes !== $Array)
                            d.sha256 = $util.newBuffer(d.sha256);
                    }
                    if ($util.Long) {
                        var n = new $util.Long(0, 0, true);
                        d.size = o.longs === $String ? n.toString() : o.longs === $Number ? n.toNumber() : typeof $BigInt !== "undefined" && o.longs === $BigInt ? n.toBigInt() : n;
                    } else
                        d.size = o.longs === $String ? "0" : typeof $BigInt !== "undefined" && o.longs === $BigInt ? $BigInt("0") : 0;
                }
                if (m["package"] != null && $Object.hasOwnProperty.call(m, "package")) {
                    d["package"] = m["package"];
                }
                if (m.version != null && $Object.hasOwnProperty.call(m, "version")) {
                    d.version = m.version;
                }
                if (m.url != null && $Object.hasOwnProperty.call(m, "url")) {
                    d.url = m.url;
                }
                if (m.sha256 != null && $Object.hasOwnProperty.call(m, "sha256")) {
                    d.sha256 = o.bytes === $String ? $util.base64.encode(m.sha256, 0, m.sha256.length) : o.bytes === $Array ? $Array.prototype.slice.call(m.sha256) : m.sha256;
                }
                if (m.size != null && $Object.hasOwnProperty.call(m, "size")) {
                    if (typeof $BigInt !== "undefined" && o.longs === $BigInt)
                        d.size = typeof m.size === "number" ? $BigInt(m.size) : $util.Long.fromBits(m.size.low >>> 0, m.size.high >>> 0, true).toBigInt();
                    else if (typeof m.size === "number")
                        d.size = o.longs === $String ? $String(m.size) : m.size;
                    else
                        d.size = o.longs === $String ? $util.Long.prototype.toString.call(m.size) : o.longs === $Number ? new $util.LongBits(m.size.low >>> 0, m.size.high >>> 0).toNumber(true) : m.size;
                }
                return d;
            };

            /**
             * Converts this OtaUpdate to JSON.
             * @function toJSON
             * @memberof pitwall.v1.OtaUpdate
             * @instance
             * @returns {Object.<string,*>} JSON object
             */
            OtaUpdate.prototype.toJSON = function() {
                return OtaUpdate.toObject(this, $protobuf.util.toJSONOptions);
            };

            /**
             * Gets the type url for OtaUpdate
             * @function getTypeUrl
             * @memberof pitwall.v1.OtaUpdate
             * @static
             * @param {string} [prefix] Custom type url prefix, defaults to `"type.googleapis.com"`
             * @returns {string} The type url
             */
            OtaUpdate.getTypeUrl = function(prefix) {
                if (prefix === $undefined)
                    prefix = "type.googleapis.com";
                return prefix + "/pitwall.v1.OtaUpdate";
            };

            return OtaUpdate;
        })();

        v1.RemoteAction = (function() {

            /**
             * Properties of a RemoteAction.
             * @typedef {Object} pitwall.v1.RemoteAction.$Properties
             * @property {string|null} [name] RemoteAction name
             * @property {Object.<string,string>|null} [params] RemoteAction params
             * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
             */

            /**
             * Properties of a RemoteAction.
             * @memberof pitwall.v1
             * @interface IRemoteAction
             * @augments pitwall.v1.RemoteAction.$Properties
             * @deprecated Use pitwall.v1.RemoteAction.$Properties instead.
             */

            /**
             * Shape of a RemoteAction.
             * @typedef {pitwall.v1.RemoteAction.$Properties} pitwall.v1.RemoteAction.$Shape
             */

            /**
             * Constructs a new RemoteAction.
             * @memberof pitwall.v1
             * @classdesc Represents a RemoteAction.
             * @constructor
             * @param {pitwall.v1.RemoteAction.$Properties=} [p] Properties to set
             * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
             */
            const RemoteAction = function (p) {
                this.params = {};
                if (p)
                    for (var ks = $Object.keys(p), i = 0; i < ks.length; ++i)
                        if (p[ks[i]] != null && ks[i] !== "__proto__")
                            this[ks[i]] = p[ks[i]];
            };

            /**
             * RemoteAction name.
             * @member {string} name
             * @memberof pitwall.v1.RemoteAction
             * @instance
             */
            RemoteAction.prototype.name = "";

            /**
             * RemoteAction params.
             * @member {Object.<string,string>} params
             * @memberof pitwall.v1.RemoteAction
             * @instance
             */
            RemoteAction.prototype.params = $util.emptyObject;

            /**
             * Creates a new RemoteAction instance using the specified properties.
             * @function create
             * @memberof pitwall.v1.RemoteAction
             * @static
             * @param {pitwall.v1.RemoteAction.$Properties=} [properties] Properties to set
             * @returns {pitwall.v1.RemoteAction} RemoteAction instance
             * @type {{
             *   (properties: pitwall.v1.RemoteAction.$Shape): pitwall.v1.RemoteAction & pitwall.v1.RemoteAction.$Shape;
             *   (properties?: pitwall.v1.RemoteAction.$Properties): pitwall.v1.RemoteAction;
             * }}
             */
            RemoteAction.create = function(properties) {
                return new RemoteAction(properties);
            };

            /**
             * Encodes the specified RemoteAction message. Does not implicitly {@link pitwall.v1.RemoteAction.verify|verify} messages.
             * @function encode
             * @memberof pitwall.v1.RemoteAction
             * @static
             * @param {pitwall.v1.RemoteAction.$Properties} m RemoteAction message or plain object to encode
             * @param {$protobuf.Writer} [w] Writer to encode to
             * @returns {$protobuf.Writer} Writer
             */
            RemoteAction.encode = function (m, w, q) {
                if (!w)
                    w = $Writer.create();
                if (q === $undefined)
                    q = 0;
                if (q > $util.recursionLimit)
                    throw $Error("max depth exceeded");
                if (m.name != null && $Object.hasOwnProperty.call(m, "name") && m.name !== "")
                    w.uint32(/* id 1, wireType 2 =*/10).string(m.name);
                if (m.params != null && $Object.hasOwnProperty.call(m, "params")) {
                    for (var ks = $Object.keys(m.params), i = 0; i < ks.length; ++i) {
                        w.uint32(/* id 2, wireType 2 =*/18).fork().uint32(/* id 1, wireType 2 =*/10).string(ks[i]).uint32(/* id 2, wireType 2 =*/18).string(m.params[ks[i]]).ldelim();
                    }
                }
                if (m.$unknowns != null && $Object.hasOwnProperty.call(m, "$unknowns"))
                    for (var i = 0; i < m.$unknowns.length; ++i)
                        w.raw(m.$unknowns[i]);
                return w;
            };

            /**
             * Encodes the specified RemoteAction message, length delimited. Does not implicitly {@link pitwall.v1.RemoteAction.verify|verify} messages.
             * @function encodeDelimited
             * @memberof pitwall.v1.RemoteAction
             * @static
             * @param {pitwall.v1.RemoteAction.$Properties} message RemoteAction message or plain object to encode
             * @param {$protobuf.Writer} [writer] Writer to encode to
             * @returns {$protobuf.Writer} Writer
             */
            RemoteAction.encodeDelimited = function(message, writer) {
                return this.encode(message, (writer || $Writer.create()).fork()).ldelim();
            };

            /**
             * Decodes a RemoteAction message from the specified reader or buffer.
             * @function decode
             * @memberof pitwall.v1.RemoteAction
             * @static
             * @param {$protobuf.Reader|Uint8Array} r Reader or buffer to decode from
             * @param {number} [l] Message length if known beforehand
             * @returns {pitwall.v1.RemoteAction & pitwall.v1.RemoteAction.$Shape} RemoteAction
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            RemoteAction.decode = function (r, l, z, q, g) {
                if (!(r instanceof $Reader))
                    r = $Reader.create(r);
                if (q === $undefined)
                    q = 0;
                if (q > $Reader.recursionLimit)
                    throw $Error("max depth exceeded");
                var c, m, k, v;
                if (l === $undefined)
                    c = r.len;
                else {
                    c = r.pos + l;
                    if (c > r.len)
                        throw $RangeError("index out of range");
                    l = r.len;
                    r.len = c;
                }
                m = g || new $root.pitwall.v1.RemoteAction();
                while (r.pos < c) {
                    var s = r.pos;
                    var t = r.tag();
                    if (t === z) {
                        z = $undefined;
                        break;
                    }
                    var u = t & 7;
                    switch (t >>>= 3) {
                    case 1: {
                            if (u !== 2)
                                break;
                            if ((v = r.stringVerify()).length)
                                m.name = v;
                            else
                                delete m.name;
                            continue;
                        }
                    case 2: {
                            if (u !== 2)
                                break;
                            if (m.params === $util.emptyObject)
                                m.params = {};
                            var c2 = r.size() + r.pos;
                            if (c2 > r.len)
                                throw $RangeError("index out of range");
                            r.len = c2;
                            k = "";
                            v = "";
                            while (r.pos < c2) {
                                var t2 = r.tag();
                                u = t2 & 7;
                                switch (t2 >>>= 3) {
                                case 1:
                                    if (u !== 2)
                                        break;
                                    k = r.stringVerify();
                                    continue;
                                case 2:
                                    if (u !== 2)
                                        break;
                                    v = r.stringVerify();
                                    continue;
                                }
                                r.skipType(u, q, t2);
                            }
                            if (r.pos !== c2)
                                throw $RangeError("index out of range");
                            r.len = c;
                            if (k === "__proto__")
                                $util.makeProp(m.params, k);
                            m.params[k] = v;
                            continue;
                        }
                    }
                    r.skipType(u, q, t);
                    if (!r.discardUnknown) {
                        $util.makeProp(m, "$unknowns", false);
                        (m.$unknowns || (m.$unknowns = [])).push(r.raw(s, r.pos));
                    }
                }
                if (l !== $undefined) {
                    if (r.pos !== c)
                        throw $RangeError("index out of range");
                    r.len = l;
                }
                if (z !== $undefined)
                    throw $Error("missing end group");
                return m;
            };

            /**
             * Decodes a RemoteAction message from the specified reader or buffer, length delimited.
             * @function decodeDelimited
             * @memberof pitwall.v1.RemoteAction
             * @static
             * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
             * @returns {pitwall.v1.RemoteAction & pitwall.v1.RemoteAction.$Shape} RemoteAction
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            RemoteAction.decodeDelimited = function(reader) {
                if (!(reader instanceof $Reader))
                    reader = new $Reader(reader);
                return this.decode(reader, reader.size());
            };

            /**
             * Verifies a RemoteAction message.
             * @function verify
             * @memberof pitwall.v1.RemoteAction
             * @static
             * @param {Object.<string,*>} m Plain object to verify
             * @returns {string|null} `null` if valid, otherwise the reason why it is not
             */
            RemoteAction.verify = function (m, q) {
                if (typeof m !== "object" || m === null)
                    return "object expected";
                if (q === $undefined)
                    q = 0;
                if (q > $util.recursionLimit)
                    return "max depth exceeded";
                if (m.name != null && $Object.hasOwnProperty.call(m, "name")) {
                    if (!$util.isString(m.name))
                        return "name: string expected";
                }
                if (m.params != null && $Object.hasOwnProperty.call(m, "params")) {
                    if (!$util.isObject(m.params))
                        return "params: object expected";
                    var k = $Object.keys(m.params);
                    for (var i = 0; i < k.length; ++i) {
                        if (!$util.isString(m.params[k[i]]))
                            return "params: string{k:string} expected";
                    }
                }
                return null;
            };

            /**
             * Creates a RemoteAction message from a plain object. Also converts values to their respective internal types.
             * @function fromObject
             * @memberof pitwall.v1.RemoteAction
             * @static
             * @param {Object.<string,*>} d Plain object
             * @returns {pitwall.v1.RemoteAction} RemoteAction
             */
            RemoteAction.fromObject = function (d, q) {
                if (d instanceof $root.pitwall.v1.RemoteAction)
                    return d;
                if (!$util.isObject(d))
                    throw $TypeError(".pitwall.v1.RemoteAction: object expected");
                if (q === $undefined)
                    q = 0;
                if (q > $util.recursionLimit)
                    throw $Error("max depth exceeded");
                var m = new $root.pitwall.v1.RemoteAction();
                if (d.name != null) {
                    if (typeof d.name !== "string" || d.name.length) {
                        m.name = $String(d.name);
                    }
                }
                if (d.params) {
                    if (!$util.isObject(d.params))
                        throw $TypeError(".pitwall.v1.RemoteAction.params: object expected");
                    m.params = {};
                    for (var ks = $Object.keys(d.params), i = 0; i < ks.length; ++i) {
                        if (ks[i] === "__proto__")
                            $util.makeProp(m.params, ks[i]);
                        m.params[ks[i]] = $String(d.params[ks[i]]);
                    }
                }
                return m;
            };

            /**
             * Creates a plain object from a RemoteAction message. Also converts values to other types if specified.
             * @function toObject
             * @memberof pitwall.v1.RemoteAction
             * @static
             * @param {pitwall.v1.RemoteAction} m RemoteAction
             * @param {$protobuf.IConversionOptions} [o] Conversion options
             * @returns {Object.<string,*>} Plain object
             */
            RemoteAction.toObject = function (m, o, q) {
                if (!o)
                    o = {};
                if (q === $undefined)
                    q = 0;
                if (q > $util.recursionLimit)
                    throw $Error("max depth exceeded");
                var d = {};
                if (o.objects || o.defaults) {
                    d.params = {};
                }
                if (o.defaults) {
                    d.name = "";
                }
                if (m.name != null && $Object.hasOwnProperty.call(m, "name")) {
                    d.name = m.name;
                }
                var ks2;
                if (m.params && (ks2 = $Object.keys(m.params)).length) {
                    d.params = {};
                    for (var j = 0; j < ks2.length; ++j) {
                        if (ks2[j] === "__proto__")
                            $util.makeProp(d.params, ks2[j]);
                        d.params[ks2[j]] = m.params[ks2[j]];
                    }
                }
                return d;
            };

            /**
             * Converts this RemoteAction to JSON.
             * @function toJSON
             * @memberof pitwall.v1.RemoteAction
             * @instance
             * @returns {Object.<string,*>} JSON object
             */
            RemoteAction.prototype.toJSON = function() {
                return RemoteAction.toObject(this, $protobuf.util.toJSONOptions);
            };

            /**
             * Gets the type url for RemoteAction
             * @function getTypeUrl
             * @memberof pitwall.v1.RemoteAction
             * @static
             * @param {string} [prefix] Custom type url prefix, defaults to `"type.googleapis.com"`
             * @returns {string} The type url
             */
            RemoteAction.getTypeUrl = function(prefix) {
                if (prefix === $undefined)
                    prefix = "type.googleapis.com";
                return prefix + "/pitwall.v1.RemoteAction";
            };

            return RemoteAction;
        })();

        v1.DiagnosticRequest = (function() {

            /**
             * Properties of a DiagnosticRequest.
             * @typedef {Object} pitwall.v1.DiagnosticRequest.$Properties
             * @property {Uint8Array|null} [udsRequest] DiagnosticRequest udsRequest
             * @property {pitwall.v1.LogUpload.$Properties|null} [logUpload] DiagnosticRequest logUpload
             * @property {number|null} [target] DiagnosticRequest target
             * @property {number|null} [timeoutMs] DiagnosticRequest timeoutMs
             * @property {"udsRequest"|"logUpload"} [kind] DiagnosticRequest kind
             * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
             */

            /**
             * Properties of a DiagnosticRequest.
             * @memberof pitwall.v1
             * @interface IDiagnosticRequest
             * @augments pitwall.v1.DiagnosticRequest.$Properties
             * @deprecated Use pitwall.v1.DiagnosticRequest.$Properties instead.
             */

            /**
             * Narrowed shape of a DiagnosticRequest.
             * @typedef {{
             *   udsRequest?: Uint8Array|null;
             *   logUpload?: pitwall.v1.LogUpload.$Shape|null;
             *   target?: number|null;
             *   timeoutMs?: number|null;
             *   $unknowns?: Array.<Uint8Array>;
             * } & (
             *   ({ kind?: undefined; udsRequest?: null; logUpload?: null }|{ kind?: "udsRequest"; udsRequest: Uint8Array; logUpload?: null }|{ kind?: "logUpload"; udsRequest?: null; logUpload: pitwall.v1.LogUpload.$Shape })
             * )} pitwall.v1.DiagnosticRequest.$Shape
             */

            /**
             * Constructs a new DiagnosticRequest.
             * @memberof pitwall.v1
             * @classdesc Represents a DiagnosticRequest.
             * @constructor
             * @param {pitwall.v1.DiagnosticRequest.$Properties=} [p] Properties to set
             * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
             */
            const DiagnosticRequest = function (p) {
                if (p)
                    for (var ks = $Object.keys(p), i = 0; i < ks.length; ++i)
                        if (p[ks[i]] != null && ks[i] !== "__proto__")
                            this[ks[i]] = p[ks[i]];
            };

            /**
             * DiagnosticRequest udsRequest.
             * @member {Uint8Array|null|undefined} udsRequest
             * @memberof pitwall.v1.DiagnosticRequest
             * @instance
             */
            DiagnosticRequest.prototype.udsRequest = null;

            /**
             * DiagnosticRequest logUpload.
             * @member {pitwall.v1.LogUpload.$Properties|null|undefined} logUpload
             * @memberof pitwall.v1.DiagnosticRequest
             * @instance
             */
            DiagnosticRequest.prototype.logUpload = null;

            /**
             * DiagnosticRequest target.
             * @member {number} target
             * @memberof pitwall.v1.DiagnosticRequest
             * @instance
             */
            DiagnosticRequest.prototype.target = 0;

            /**
             * DiagnosticRequest timeoutMs.
             * @member {number} timeoutMs
             * @memberof pitwall.v1.DiagnosticRequest
             * @instance
             */
            DiagnosticRequest.prototype.timeoutMs = 0;

            // OneOf field names bound to virtual getters and setters
            let $oneOfFields;

            /**
             * DiagnosticRequest kind.
             * @member {"udsRequest"|"logUpload"|undefined} kind
             * @memberof pitwall.v1.DiagnosticRequest
             * @instance
             */
            $Object.defineProperty(DiagnosticRequest.prototype, "kind", {
                get: $util.oneOfGetter($oneOfFields = ["udsRequest", "logUpload"]),
                set: $util.oneOfSetter($oneOfFields)
            });

            /**
             * Creates a new DiagnosticRequest instance using the specified properties.
             * @function create
             * @memberof pitwall.v1.DiagnosticRequest
             * @static
             * @param {pitwall.v1.DiagnosticRequest.$Properties=} [properties] Properties to set
             * @returns {pitwall.v1.DiagnosticRequest} DiagnosticRequest instance
             * @type {{
             *   (properties: pitwall.v1.DiagnosticRequest.$Shape): pitwall.v1.DiagnosticRequest & pitwall.v1.DiagnosticRequest.$Shape;
             *   (properties?: pitwall.v1.DiagnosticRequest.$Properties): pitwall.v1.DiagnosticRequest;
             * }}
             */
            DiagnosticRequest.create = function(properties) {
                return new DiagnosticRequest(properties);
            };

            /**
             * Encodes the specified DiagnosticRequest message. Does not implicitly {@link pitwall.v1.DiagnosticRequest.verify|verify} messages.
             * @function encode
             * @memberof pitwall.v1.DiagnosticRequest
             * @static
             * @param {pitwall.v1.DiagnosticRequest.$Properties} m DiagnosticRequest message or plain object to encode
             * @param {$protobuf.Writer} [w] Writer to encode to
             * @returns {$protobuf.Writer} Writer
             */
            DiagnosticRequest.encode = function (m, w, q) {
                if (!w)
                    w = $Writer.create();
                if (q === $undefined)
                    q = 0;
                if (q > $util.recursionLimit)
                    throw $Error("max depth exceeded");
                if (m.udsRequest != null && $Object.hasOwnProperty.call(m, "udsRequest"))
                    w.uint32(/* id 1, wireType 2 =*/10).bytes(m.udsRequest);
                if (m.logUpload != null && $Object.hasOwnProperty.call(m, "logUpload"))
                    $root.pitwall.v1.LogUpload.encode(m.logUpload, w.uint32(/* id 2, wireType 2 =*/18).fork(), q + 1).ldelim();
                if (m.target != null && $Object.hasOwnProperty.call(m, "target") && m.target !== 0)
                    w.uint32(/* id 3, wireType 0 =*/24).uint32(m.target);
                if (m.timeoutMs != null && $Object.hasOwnProperty.call(m, "timeoutMs") && m.timeoutMs !== 0)
                    w.uint32(/* id 4, wireType 0 =*/32).uint32(m.timeoutMs);
                if (m.$unknowns != null && $Object.hasOwnProperty.call(m, "$unknowns"))
                    for (var i = 0; i < m.$unknowns.length; ++i)
                        w.raw(m.$unknowns[i]);
                return w;
            };

            /**
             * Encodes the specified DiagnosticRequest message, length delimited. Does not implicitly {@link pitwall.v1.DiagnosticRequest.verify|verify} messages.
             * @function encodeDelimited
             * @memberof pitwall.v1.DiagnosticRequest
             * @static
             * @param {pitwall.v1.DiagnosticRequest.$Properties} message DiagnosticRequest message or plain object to encode
             * @param {$protobuf.Writer} [writer] Writer to encode to
             * @returns {$protobuf.Writer} Writer
             */
            DiagnosticRequest.encodeDelimited = function(message, writer) {
                return this.encode(message, (writer || $Writer.create()).fork()).ldelim();
            };

            /**
             * Decodes a DiagnosticRequest message from the specified reader or buffer.
             * @function decode
             * @memberof pitwall.v1.DiagnosticRequest
             * @static
             * @param {$protobuf.Reader|Uint8Array} r Reader or buffer to decode from
             * @param {number} [l] Message length if known beforehand
             * @returns {pitwall.v1.DiagnosticRequest & pitwall.v1.DiagnosticRequest.$Shape} DiagnosticRequest
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            DiagnosticRequest.decode = function (r, l, z, q, g) {
                if (!(r instanceof $Reader))
                    r = $Reader.create(r);
                if (q === $undefined)
                    q = 0;
                if (q > $Reader.recursionLimit)
                    throw $Error("max depth exceeded");
                var c, m, v;
                if (l === $undefined)
                    c = r.len;
                else {
                    c = r.pos + l;
                    if (c > r.len)
                        throw $RangeError("index out of range");
                    l = r.len;
                    r.len = c;
                }
                m = g || new $root.pitwall.v1.DiagnosticRequest();
                while (r.pos < c) {
                    var s = r.pos;
                    var t = r.tag();
                    if (t === z) {
                        z = $undefined;
                        break;
                    }
                    var u = t & 7;
                    switch (t >>>= 3) {
                    case 1: {
                            if (u !== 2)
                                break;
                            m.udsRequest = r.bytes();
                            m.kind = "udsRequest";
                            continue;
                        }
                    case 2: {
                            if (u !== 2)
                                break;
                            m.logUpload = $root.pitwall.v1.LogUpload.decode(r, r.size(), $undefined, q + 1, m.logUpload);
                            m.kind = "logUpload";
                            continue;
                        }
                    case 3: {
                            if (u !== 0)
                                break;
                            if (v = r.uint32())
                                m.target = v;
                            else
                                delete m.target;
                            continue;
                        }
                    case 4: {
                            if (u !== 0)
                                break;
                            if (v = r.uint32())
                                m.timeoutMs = v;
                            else
                                delete m.timeoutMs;
                            continue;
                        }
                    }
                    r.skipType(u, q, t);
                    if (!r.discardUnknown) {
                        $util.makeProp(m, "$unknowns", false);
                        (m.$unknowns || (m.$unknowns = [])).push(r.raw(s, r.pos));
                    }
                }
                if (l !== $undefined) {
                    if (r.pos !== c)
                        throw $RangeError("index out of range");
                    r.len = l;
                }
                if (z !== $undefined)
                    throw $Error("missing end group");
                return m;
            };

            /**
             * Decodes a DiagnosticRequest message from the specified reader or buffer, length delimited.
             * @function decodeDelimited
             * @memberof pitwall.v1.DiagnosticRequest
             * @static
             * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
             * @returns {pitwall.v1.DiagnosticRequest & pitwall.v1.DiagnosticRequest.$Shape} DiagnosticRequest
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            DiagnosticRequest.decodeDelimited = function(reader) {
                if (!(reader instanceof $Reader))
                    reader = new $Reader(reader);
                return this.decode(reader, reader.size());
            };

            /**
             * Verifies a DiagnosticRequest message.
             * @function verify
             * @memberof pitwall.v1.DiagnosticRequest
             * @static
             * @param {Object.<string,*>} m Plain object to verify
             * @returns {string|null} `null` if valid, otherwise the reason why it is not
             */
            DiagnosticRequest.verify = function (m, q) {
                if (typeof m !== "object" || m === null)
                    return "object expected";
                if (q === $undefined)
                    q = 0;
                if (q > $util.recursionLimit)
                    return "max depth exceeded";
                var p = {};
                if (m.udsRequest != null && $Object.hasOwnProperty.call(m, "udsRequest")) {
                    p.kind = 1;
                    if (!(m.udsRequest && typeof m.udsRequest.length === "number" || $util.isString(m.udsRequest)))
                        return "udsRequest: buffer expected";
                }
                if (m.logUpload != null && $Object.hasOwnProperty.call(m, "logUpload")) {
                    if (p.kind === 1)
                        return "kind: multiple values";
                    p.kind = 1;
                    {
                        var e = $root.pitwall.v1.LogUpload.verify(m.logUpload, q + 1);
                        if (e)
                            return "logUpload." + e;
                    }
                }
                if (m.target != null && $Object.hasOwnProperty.call(m, "target")) {
                    if (!$util.isInteger(m.target))
                        return "target: integer expected";
                }
                if (m.timeoutMs != null && $Object.hasOwnProperty.call(m, "timeoutMs")) {
                    if (!$util.isInteger(m.timeoutMs))
                        return "timeoutMs: integer expected";
                }
                return null;
            };

            /**
             * Creates a DiagnosticRequest message from a plain object. Also converts values to their respective internal types.
             * @function fromObject
             * @memberof pitwall.v1.DiagnosticRequest
             * @static
             * @param {Object.<string,*>} d Plain object
             * @returns {pitwall.v1.DiagnosticRequest} DiagnosticRequest
             */
            DiagnosticRequest.fromObject = function (d, q) {
                if (d instanceof $root.pitwall.v1.DiagnosticRequest)
                    return d;
                if (!$util.isObject(d))
                    throw $TypeError(".pitwall.v1.DiagnosticRequest: object expected");
                if (q === $undefined)
                    q = 0;
                if (q > $util.recursionLimit)
                    throw $Error("max depth exceeded");
                var m = new $root.pitwall.v1.DiagnosticRequest();
                if (d.udsRequest != null) {
                    if (typeof d.udsRequest === "string")
                        $util.base64.decode(d.udsRequest, m.udsRequest = $util.newBuffer($util.base64.length(d.udsRequest)), 0);
                    else if (d.udsRequest.length >= 0)
                        m.udsRequest = d.udsRequest;
                }
                if (d.logUpload != null) {
                    if (!$util.isObject(d.logUpload))
                        throw $TypeError(".pitwall.v1.DiagnosticRequest.logUpload: object expected");
                    m.logUpload = $root.pitwall.v1.LogUpload.fromObject(d.logUpload, q + 1);
                }
                if (d.target != null) {
                    if ($Number(d.target) !== 0) {
                        m.target = d.target >>> 0;
                    }
                }
                if (d.timeoutMs != null) {
                    if ($Number(d.timeoutMs) !== 0) {
                        m.timeoutMs = d.timeoutMs >>> 0;
                    }
                }
                return m;
            };

            /**
             * Creates a plain object from a DiagnosticRequest message. Also converts values to other types if specified.
             * @function toObject
             * @memberof pitwall.v1.DiagnosticRequest
             * @static
             * @param {pitwall.v1.DiagnosticRequest} m DiagnosticRequest
             * @param {$protobuf.IConversionOptions} [o] Conversion options
             * @returns {Object.<string,*>} Plain object
             */
            DiagnosticRequest.toObject = function (m, o, q) {
                if (!o)
                    o = {};
                if (q === $undefined)
                    q = 0;
                if (q > $util.recursionLimit)
                    throw $Error("max depth exceeded");
                var d = {};
                if (o.defaults) {
                    d.target = 0;
                    d.timeoutMs = 0;
                }
                if (m.udsRequest != null && $Object.hasOwnProperty.call(m, "udsRequest")) {
                    d.udsRequest = o.bytes === $String ? $util.base64.encode(m.udsRequest, 0, m.udsRequest.length) : o.bytes === $Array ? $Array.prototype.slice.call(m.udsRequest) : m.udsRequest;
                    if (o.oneofs)
                        d.kind = "udsRequest";
                }
                if (m.logUpload != null && $Object.hasOwnProperty.call(m, "logUpload")) {
                    d.logUpload = $root.pitwall.v1.LogUpload.toObject(m.logUpload, o, q + 1);
                    if (o.oneofs)
                        d.kind = "logUpload";
                }
                if (m.target != null && $Object.hasOwnProperty.call(m, "target")) {
                    d.target = m.target;
                }
                if (m.timeoutMs != null && $Object.hasOwnProperty.call(m, "timeoutMs")) {
                    d.timeoutMs = m.timeoutMs;
                }
                return d;
            };

            /**
             * Converts this DiagnosticRequest to JSON.
             * @function toJSON
             * @memberof pitwall.v1.DiagnosticRequest
             * @instance
             * @returns {Object.<string,*>} JSON object
             */
            DiagnosticRequest.prototype.toJSON = function() {
                return DiagnosticRequest.toObject(this, $protobuf.util.toJSONOptions);
            };

            /**
             * Gets the type url for DiagnosticRequest
             * @function getTypeUrl
             * @memberof pitwall.v1.DiagnosticRequest
             * @static
             * @param {string} [prefix] Custom type url prefix, defaults to `"type.googleapis.com"`
             * @returns {string} The type url
             */
            DiagnosticRequest.getTypeUrl = function(prefix) {
                if (prefix === $undefined)
                    prefix = "type.googleapis.com";
                return prefix + "/pitwall.v1.DiagnosticRequest";
            };

            return DiagnosticRequest;
        })();

        v1.LogUpload = (function() {

            /**
             * Properties of a LogUpload.
             * @typedef {Object} pitwall.v1.LogUpload.$Properties
             * @property {number|null} [fromMs] LogUpload fromMs
             * @property {number|null} [toMs] LogUpload toMs
             * @property {string|null} [kind] LogUpload kind
             * @property {string|null} [uploadUrl] LogUpload uploadUrl
             * @property {string|null} [uploadToken] LogUpload uploadToken
             * @property {number|null} [maxBytes] LogUpload maxBytes
             * @property {number|null} [uploadExpiresAtMs] LogUpload uploadExpiresAtMs
             * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
             */

            /**
             * Properties of a LogUpload.
             * @memberof pitwall.v1
             * @interface ILogUpload
             * @augments pitwall.v1.LogUpload.$Properties
             * @deprecated Use pitwall.v1.LogUpload.$Properties instead.
             */

            /**
             * Shape of a LogUpload.
             * @typedef {pitwall.v1.LogUpload.$Properties} pitwall.v1.LogUpload.$Shape
             */

            /**
             * Constructs a new LogUpload.
             * @memberof pitwall.v1
             * @classdesc Represents a LogUpload.
             * @constructor
             * @param {pitwall.v1.LogUpload.$Properties=} [p] Properties to set
             * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
             */
            const LogUpload = function (p) {
                if (p)
                    for (var ks = $Object.keys(p), i = 0; i < ks.length; ++i)
                        if (p[ks[i]] != null && ks[i] !== "__proto__")
                            this[ks[i]] = p[ks[i]];
            };

            /**
             * LogUpload fromMs.
             * @member {number} fromMs
             * @memberof pitwall.v1.LogUpload
             * @instance
             */
            LogUpload.prototype.fromMs = $util.Long ? $util.Long.fromBits(0,0,true) : 0;

            /**
             * LogUpload toMs.
             * @member {number} toMs
             * @memberof pitwall.v1.LogUpload
             * @instance
             */
            LogUpload.prototype.toMs = $util.Long ? $util.Long.fromBits(0,0,true) : 0;

            /**
             * LogUpload kind.
             * @member {string} kind
             * @memberof pitwall.v1.LogUpload
             * @instance
             */
            LogUpload.prototype.kind = "";

            /**
             * LogUpload uploadUrl.
             * @member {string} uploadUrl
             * @memberof pitwall.v1.LogUpload
             * @instance
             */
            LogUpload.prototype.uploadUrl = "";

            /**
             * LogUpload uploadToken.
             * @member {string} uploadToken
             * @memberof pitwall.v1.LogUpload
             * @instance
             */
            LogUpload.prototype.uploadToken = "";

            /**
             * LogUpload maxBytes.
             * @member {number} maxBytes
             * @memberof pitwall.v1.LogUpload
             * @instance
             */
            LogUpload.prototype.maxBytes = $util.Long ? $util.Long.fromBits(0,0,true) : 0;

            /**
             * LogUpload uploadExpiresAtMs.
             * @member {number} uploadExpiresAtMs
             * @memberof pitwall.v1.LogUpload
             * @instance
             */
            LogUpload.prototype.uploadExpiresAtMs = $util.Long ? $util.Long.fromBits(0,0,true) : 0;

            /**
             * Creates a new LogUpload instance using the specified properties.
             * @function create
             * @memberof pitwall.v1.LogUpload
             * @static
             * @param {pitwall.v1.LogUpload.$Properties=} [properties] Properties to set
             * @returns {pitwall.v1.LogUpload} LogUpload instance
             * @type {{
             *   (properties: pitwall.v1.LogUpload.$Shape): pitwall.v1.LogUpload & pitwall.v1.LogUpload.$Shape;
             *   (properties?: pitwall.v1.LogUpload.$Properties): pitwall.v1.LogUpload;
             * }}
             */
            LogUpload.create = function(properties) {
                return new LogUpload(properties);
            };

            /**
             * Encodes the specified LogUpload message. Does not implicitly {@link pitwall.v1.LogUpload.verify|verify} messages.
             * @function encode
             * @memberof pitwall.v1.LogUpload
             * @static
             * @param {pitwall.v1.LogUpload.$Properties} m LogUpload message or plain object to encode
             * @param {$protobuf.Writer} [w] Writer to encode to
             * @returns {$protobuf.Writer} Writer
             */
            LogUpload.encode = function (m, w, q) {
                if (!w)
                    w = $Writer.create();
                if (q === $undefined)
                    q = 0;
                if (q > $util.recursionLimit)
                    throw $Error("max depth exceeded");
                if (m.fromMs != null && $Object.hasOwnProperty.call(m, "fromMs") && (typeof m.fromMs === "object" ? m.fromMs.low || m.fromMs.high : m.fromMs !== 0))
                    w.uint32(/* id 1, wireType 0 =*/8).uint64(m.fromMs);
                if (m.toMs != null && $Object.hasOwnProperty.call(m, "toMs") && (typeof m.toMs === "object" ? m.toMs.low || m.toMs.high : m.toMs !== 0))
                    w.uint32(/* id 2, wireType 0 =*/16).uint64(m.toMs);
                if (m.kind != null && $Object.hasOwnProperty.call(m, "kind") && m.kind !== "")
                    w.uint32(/* id 3, wireType 2 =*/26).string(m.kind);
                if (m.uploadUrl != null && $Object.hasOwnProperty.call(m, "uploadUrl") && m.uploadUrl !== "")
                    w.uint32(/* id 4, wireType 2 =*/34).string(m.uploadUrl);
                if (m.uploadToken != null && $Object.hasOwnProperty.call(m, "uploadToken") && m.uploadToken !== "")
                    w.uint32(/* id 5, wireType 2 =*/42).string(m.uploadToken);
                if (m.maxBytes != null && $Object.hasOwnProperty.call(m, "maxBytes") && (typeof m.maxBytes === "object" ? m.maxBytes.low || m.maxBytes.high : m.maxBytes !== 0))
                    w.uint32(/* id 6, wireType 0 =*/48).uint64(m.maxBytes);
                if (m.uploadExpiresAtMs != null && $Object.hasOwnProperty.call(m, "uploadExpiresAtMs") && (typeof m.uploadExpiresAtMs === "object" ? m.uploadExpiresAtMs.low || m.uploadExpiresAtMs.high : m.uploadExpiresAtMs !== 0))
                    w.uint32(/* id 7, wireType 0 =*/56).uint64(m.uploadExpiresAtMs);
                if (m.$unknowns != null && $Object.hasOwnProperty.call(m, "$unknowns"))
                    for (var i = 0; i < m.$unknowns.length; ++i)
                        w.raw(m.$unknowns[i]);
                return w;
            };

            /**
             * Encodes the specified LogUpload message, length delimited. Does not implicitly {@link pitwall.v1.LogUpload.verify|verify} messages.
             * @function encodeDelimited
             * @memberof pitwall.v1.LogUpload
             * @static
             * @param {pitwall.v1.LogUpload.$Properties} message LogUpload message or plain object to encode
             * @param {$protobuf.Writer} [writer] Writer to encode to
             * @returns {$protobuf.Writer} Writer
             */
            LogUpload.encodeDelimited = function(message, writer) {
                return this.encode(message, (writer || $Writer.create()).fork()).ldelim();
            };

            /**
             * Decodes a LogUpload message from the specified reader or buffer.
             * @function decode
             * @memberof pitwall.v1.LogUpload
             * @static
             * @param {$protobuf.Reader|Uint8Array} r Reader or buffer to decode from
             * @param {number} [l] Message length if known beforehand
             * @returns {pitwall.v1.LogUpload & pitwall.v1.LogUpload.$Shape} LogUpload
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            LogUpload.decode = function (r, l, z, q, g) {
                if (!(r instanceof $Reader))
                    r = $Reader.create(r);
                if (q === $undefined)
                    q = 0;
                if (q > $Reader.recursionLimit)
                    throw $Error("max depth exceeded");
                var c, m, v;
                if (l === $undefined)
                    c = r.len;
                else {
                    c = r.pos + l;
                    if (c > r.len)
                        throw $RangeError("index out of range");
                    l = r.len;
                    r.len = c;
                }
                m = g || new $root.pitwall.v1.LogUpload();
                while (r.pos < c) {
                    var s = r.pos;
                    var t = r.tag();
                    if (t === z) {
                        z = $undefined;
                        break;
                    }
                    var u = t & 7;
                    switch (t >>>= 3) {
                    case 1: {
                            if (u !== 0)
                                break;
                            if (typeof (v = r.uint64()) === "object" ? v.low || v.high : v !== 0)
                                m.fromMs = v;
                            else
                                delete m.fromMs;
                            continue;
                        }
                    case 2: {
                            if (u !== 0)
                                break;
                            if (typeof (v = r.uint64()) === "object" ? v.low || v.high : v !== 0)
                                m.toMs = v;
                            else
                                delete m.toMs;
                            continue;
                        }
                    case 3: {
                            if (u !== 2)
                                break;
                            if ((v = r.stringVerify()).length)
                                m.kind = v;
                            else
                                delete m.kind;
                            continue;
                        }
                    case 4: {
                            if (u !== 2)
                                break;
                            if ((v = r.stringVerify()).length)
                                m.uploadUrl = v;
                            else
                                delete m.uploadUrl;
                            continue;
                        }
                    case 5: {
                            if (u !== 2)
                                break;
                            if ((v = r.stringVerify()).length)
                                m.uploadToken = v;
                            else
                                delete m.uploadToken;
                            continue;
                        }
                    case 6: {
                            if (u !== 0)
                                break;
                            if (typeof (v = r.uint64()) === "object" ? v.low || v.high : v !== 0)
                                m.maxBytes = v;
                            else
                                delete m.maxBytes;
                            continue;
                        }
                    case 7: {
                            if (u !== 0)
                                break;
                            if (typeof (v = r.uint64()) === "object" ? v.low || v.high : v !== 0)
                                m.uploadExpiresAtMs = v;
                            else
                                delete m.uploadExpiresAtMs;
                            continue;
                        }
                    }
                    r.skipType(u, q, t);
                    if (!r.discardUnknown) {
                        $util.makeProp(m, "$unknowns", false);
                        (m.$unknowns || (m.$unknowns = [])).push(r.raw(s, r.pos));
                    }
                }
                if (l !== $undefined) {
                    if (r.pos !== c)
                        throw $RangeError("index out of range");
                    r.len = l;
                }
                if (z !== $undefined)
                    throw $Error("missing end group");
                return m;
            };

            /**
             * Decodes a LogUpload message from the specified reader or buffer, length delimited.
             * @function decodeDelimited
             * @memberof pitwall.v1.LogUpload
             * @static
             * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
             * @returns {pitwall.v1.LogUpload & pitwall.v1.LogUpload.$Shape} LogUpload
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            LogUpload.decodeDelimited = function(reader) {
                if (!(reader instanceof $Reader))
                    reader = new $Reader(reader);
                return this.decode(reader, reader.size());
            };

            /**
             * Verifies a LogUpload message.
             * @function verify
             * @memberof pitwall.v1.LogUpload
             * @static
             * @param {Object.<string,*>} m Plain object to verify
             * @returns {string|null} `null` if valid, otherwise the reason why it is not
             */
            LogUpload.verify = function (m, q) {
                if (typeof m !== "object" || m === null)
                    return "object expected";
                if (q === $undefined)
                    q = 0;
                if (q > $util.recursionLimit)
                    return "max depth exceeded";
                if (m.fromMs != null && $Object.hasOwnProperty.call(m, "fromMs")) {
                    if (!$util.isInteger(m.fromMs) && !(m.fromMs && $util.isInteger(m.fromMs.low) && $util.isInteger(m.fromMs.high)))
                        return "fromMs: integer|Long expected";
                }
                if (m.toMs != null && $Object.hasOwnProperty.call(m, "toMs")) {
                    if (!$util.isInteger(m.toMs) && !(m.toMs && $util.isInteger(m.toMs.low) && $util.isInteger(m.toMs.high)))
                        return "toMs: integer|Long expected";
                }
                if (m.kind != null && $Object.hasOwnProperty.call(m, "kind")) {
                    if (!$util.isString(m.kind))
                        return "kind: string expected";
                }
                if (m.uploadUrl != null && $Object.hasOwnProperty.call(m, "uploadUrl")) {
                    if (!$util.isString(m.uploadUrl))
                        return "uploadUrl: string expected";
                }
                if (m.uploadToken != null && $Object.hasOwnProperty.call(m, "uploadToken")) {
                    if (!$util.isString(m.uploadToken))
                        return "uploadToken: string expected";
                }
                if (m.maxBytes != null && $Object.hasOwnProperty.call(m, "maxBytes")) {
                    if (!$util.isInteger(m.maxBytes) && !(m.maxBytes && $util.isInteger(m.maxBytes.low) && $util.isInteger(m.maxBytes.high)))
                        return "maxBytes: integer|Long expected";
                }
                if (m.uploadExpiresAtMs != null && $Object.hasOwnProperty.call(m, "uploadExpiresAtMs")) {
                    if (!$util.isInteger(m.uploadExpiresAtMs) && !(m.uploadExpiresAtMs && $util.isInteger(m.uploadExpiresAtMs.low) && $util.isInteger(m.uploadExpiresAtMs.high)))
                        return "uploadExpiresAtMs: integer|Long expected";
                }
                return null;
            };

            /**
             * Creates a LogUpload message from a plain object. Also converts values to their respective internal types.
             * @function fromObject
             * @memberof pitwall.v1.LogUpload
             * @static
             * @param {Object.<string,*>} d Plain object
             * @returns {pitwall.v1.LogUpload} LogUpload
             */
            LogUpload.fromObject = function (d, q) {
                if (d instanceof $root.pitwall.v1.LogUpload)
                    return d;
                if (!$util.isObject(d))
                    throw $TypeError(".pitwall.v1.LogUpload: object expected");
                if (q === $undefined)
                    q = 0;
                if (q > $util.recursionLimit)
                    throw $Error("max depth exceeded");
                var m = new $root.pitwall.v1.LogUpload();
                if (d.fromMs != null) {
                    if (typeof d.fromMs === "object" ? d.fromMs.low || d.fromMs.high : $Number(d.fromMs) !== 0) {
                        if ($util.Long)
                            m.fromMs = $util.Long.fromValue(d.fromMs, true);
                        else if (typeof d.fromMs === "string")
                            m.fromMs = $parseInt(d.fromMs, 10);
                        else if (typeof d.fromMs === "number")
                            m.fromMs = d.fromMs;
                        else if (typeof d.fromMs === "object")
                            m.fromMs = new $util.LongBits(d.fromMs.low >>> 0, d.fromMs.high >>> 0).toNumber(true);
                    }
                }
                if (d.toMs != null) {
                    if (typeof d.toMs === "object" ? d.toMs.low || d.toMs.high : $Number(d.toMs) !== 0) {
                        if ($util.Long)
                            m.toMs = $util.Long.fromValue(d.toMs, true);
                        else if (typeof d.toMs === "string")
                            m.toMs = $parseInt(d.toMs, 10);
                        else if (typeof d.toMs === "number")
                            m.toMs = d.toMs;
                        else if (typeof d.toMs === "object")
                            m.toMs = new $util.LongBits(d.toMs.low >>> 0, d.toMs.high >>> 0).toNumber(true);
                    }
                }
                if (d.kind != null) {
                    if (typeof d.kind !== "string" || d.kind.length) {
                        m.kind = $String(d.kind);
                    }
                }
                if (d.uploadUrl != null) {
                    if (typeof d.uploadUrl !== "string" || d.uploadUrl.length) {
                        m.uploadUrl = $String(d.uploadUrl);
                    }
                }
                if (d.uploadToken != null) {
                    if (typeof d.uploadToken !== "string" || d.uploadToken.length) {
                        m.uploadToken = $String(d.uploadToken);
                    }
                }
                if (d.maxBytes != null) {
                    if (typeof d.maxBytes === "object" ? d.maxBytes.low || d.maxBytes.high : $Number(d.maxBytes) !== 0) {
                        if ($util.Long)
                            m.maxBytes = $util.Long.fromValue(d.maxBytes, true);
                        else if (typeof d.maxBytes === "string")
                            m.maxBytes = $parseInt(d.maxBytes, 10);
                        else if (typeof d.maxBytes === "number")
                            m.maxBytes = d.maxBytes;
                        else if (typeof d.maxBytes === "object")
                            m.maxBytes = new $util.LongBits(d.maxBytes.low >>> 0, d.maxBytes.high >>> 0).toNumber(true);
                    }
                }
                if (d.uploadExpiresAtMs != null) {
                    if (typeof d.uploadExpiresAtMs === "object" ? d.uploadExpiresAtMs.low || d.uploadExpiresAtMs.high : $Number(d.uploadExpiresAtMs) !== 0) {
                        if ($util.Long)
                            m.uploadExpiresAtMs = $util.Long.fromValue(d.uploadExpiresAtMs, true);
                        else if (typeof d.uploadExpiresAtMs === "string")
                            m.uploadExpiresAtMs = $parseInt(d.uploadExpiresAtMs, 10);
                        else if (typeof d.uploadExpiresAtMs === "number")
                            m.uploadExpiresAtMs = d.uploadExpiresAtMs;
                        else if (typeof d.uploadExpiresAtMs === "object")
                            m.uploadExpiresAtMs = new $util.LongBits(d.uploadExpiresAtMs.low >>> 0, d.uploadExpiresAtMs.high >>> 0).toNumber(true);
                    }
                }
                return m;
            };

            /**
             * Creates a plain object from a LogUpload message. Also converts values to other types if specified.
             * @function toObject
             * @memberof pitwall.v1.LogUpload
             * @static
             * @param {pitwall.v1.LogUpload} m LogUpload
             * @param {$protobuf.IConversionOptions} [o] Conversion options
             * @returns {Object.<string,*>} Plain object
             */
            LogUpload.toObject = function (m, o, q) {
                if (!o)
                    o = {};
                if (q === $undefined)
                    q = 0;
                if (q > $util.recursionLimit)
                    throw $Error("max depth exceeded");
                var d = {};
                if (o.defaults) {
                    if ($util.Long) {
                        var n = new $util.Long(0, 0, true);
                        d.fromMs = o.longs === $String ? n.toString() : o.longs === $Number ? n.toNumber() : typeof $BigInt !== "undefined" && o.longs === $BigInt ? n.toBigInt() : n;
                    } else
                        d.fromMs = o.longs === $String ? "0" : typeof $BigInt !== "undefined" && o.longs === $BigInt ? $BigInt("0") : 0;
                    if ($util.Long) {
                        var n = new $util.Long(0, 0, true);
                        d.toMs = o.longs === $String ? n.toString() : o.longs === $Number ? n.toNumber() : typeof $BigInt !== "undefined" && o.longs === $BigInt ? n.toBigInt() : n;
                    } else
                        d.toMs = o.longs === $String ? "0" : typeof $BigInt !== "undefined" && o.longs === $BigInt ? $BigInt("0") : 0;
                    d.kind = "";
                    d.uploadUrl = "";
                    d.uploadToken = "";
                    if ($util.Long) {
                        var n = new $util.Long(0, 0, true);
                        d.maxBytes = o.longs === $String ? n.toString() : o.longs === $Number ? n.toNumber() : typeof $BigInt !== "undefined" && o.longs === $BigInt ? n.toBigInt() : n;
                    } else
                        d.maxBytes = o.longs === $String ? "0" : typeof $BigInt !== "undefined" && o.longs === $BigInt ? $BigInt("0") : 0;
                    if ($util.Long) {
                        var n = new $util.Long(0, 0, true);
                        d.uploadExpiresAtMs = o.longs === $String ? n.toString() : o.longs === $Number ? n.toNumber() : typeof $BigInt !== "undefined" && o.longs === $BigInt ? n.toBigInt() : n;
                    } else
                        d.uploadExpiresAtMs = o.longs === $String ? "0" : typeof $BigInt !== "undefined" && o.longs === $BigInt ? $BigInt("0") : 0;
                }
                if (m.fromMs != null && $Object.hasOwnProperty.call(m, "fromMs")) {
                    if (typeof $BigInt !== "undefined" && o.longs === $BigInt)
                        d.fromMs = typeof m.fromMs === "number" ? $BigInt(m.fromMs) : $util.Long.fromBits(m.fromMs.low >>> 0, m.fromMs.high >>> 0, true).toBigInt();
                    else if (typeof m.fromMs === "number")
                        d.fromMs = o.longs === $String ? $String(m.fromMs) : m.fromMs;
                    else
                        d.fromMs = o.longs === $String ? $util.Long.prototype.toString.call(m.fromMs) : o.longs === $Number ? new $util.LongBits(m.fromMs.low >>> 0, m.fromMs.high >>> 0).toNumber(true) : m.fromMs;
                }
                if (m.toMs != null && $Object.hasOwnProperty.call(m, "toMs")) {
                    if (typeof $BigInt !== "undefined" && o.longs === $BigInt)
                        d.toMs = typeof m.toMs === "number" ? $BigInt(m.toMs) : $util.Long.fromBits(m.toMs.low >>> 0, m.toMs.high >>> 0, true).toBigInt();
                    else if (typeof m.toMs === "number")
                        d.toMs = o.longs === $String ? $String(m.toMs) : m.toMs;
                    else
                        d.toMs = o.longs === $String ? $util.Long.prototype.toString.call(m.toMs) : o.longs === $Number ? new $util.LongBits(m.toMs.low >>> 0, m.toMs.high >>> 0).toNumber(true) : m.toMs;
                }
                if (m.kind != null && $Object.hasOwnProperty.call(m, "kind")) {
                    d.kind = m.kind;
                }
                if (m.uploadUrl != null && $Object.hasOwnProperty.call(m, "uploadUrl")) {
                    d.uploadUrl = m.uploadUrl;
                }
                if (m.uploadToken != null && $Object.hasOwnProperty.call(m, "uploadToken")) {
                    d.uploadToken = m.uploadToken;
                }
                if (m.maxBytes != null && $Object.hasOwnProperty.call(m, "maxBytes")) {
                    if (typeof $BigInt !== "undefined" && o.longs === $BigInt)
                        d.maxBytes = typeof m.maxBytes === "number" ? $BigInt(m.maxBytes) : $util.Long.fromBits(m.maxBytes.low >>> 0, m.maxBytes.high >>> 0, true).toBigInt();
                    else if (typeof m.maxBytes === "number")
                        d.maxBytes = o.longs === $String ? $String(m.maxBytes) : m.maxBytes;
                    else
                        d.maxBytes = o.longs === $String ? $util.Long.prototype.toString.call(m.maxBytes) : o.longs === $Number ? new $util.LongBits(m.maxBytes.low >>> 0, m.maxBytes.high >>> 0).toNumber(true) : m.maxBytes;
                }
                if (m.uploadExpiresAtMs != null && $Object.hasOwnProperty.call(m, "uploadExpiresAtMs")) {
                    if (typeof $BigInt !== "undefined" && o.longs === $BigInt)
                        d.uploadExpiresAtMs = typeof m.uploadExpiresAtMs === "number" ? $BigInt(m.uploadExpiresAtMs) : $util.Long.fromBits(m.uploadExpiresAtMs.low >>> 0, m.uploadExpiresAtMs.high >>> 0, true).toBigInt();
                    else if (typeof m.uploadExpiresAtMs === "number")
                        d.uploadExpiresAtMs = o.longs === $String ? $String(m.uploadExpiresAtMs) : m.uploadExpiresAtMs;
                    else
                        d.uploadExpiresAtMs = o.longs === $String ? $util.Long.prototype.toString.call(m.uploadExpiresAtMs) : o.longs === $Number ? new $util.LongBits(m.uploadExpiresAtMs.low >>> 0, m.uploadExpiresAtMs.high >>> 0).toNumber(true) : m.uploadExpiresAtMs;
                }
                return d;
            };

            /**
             * Converts this LogUpload to JSON.
             * @function toJSON
             * @memberof pitwall.v1.LogUpload
             * @instance
             * @returns {Object.<string,*>} JSON object
             */
            LogUpload.prototype.toJSON = function() {
                return LogUpload.toObject(this, $protobuf.util.toJSONOptions);
            };

            /**
             * Gets the type url for LogUpload
             * @function getTypeUrl
             * @memberof pitwall.v1.LogUpload
             * @static
             * @param {string} [prefix] Custom type url prefix, defaults to `"type.googleapis.com"`
             * @returns {string} The type url
             */
            LogUpload.getTypeUrl = function(prefix) {
                if (prefix === $undefined)
                    prefix = "type.googleapis.com";
                return prefix + "/pitwall.v1.LogUpload";
            };

            return LogUpload;
        })();

        v1.CommandAck = (function() {

            /**
             * Properties of a CommandAck.
             * @typedef {Object} pitwall.v1.CommandAck.$Properties
             * @property {string|null} [id] CommandAck id
             * @property {pitwall.v1.CommandAck.State|null} [state] CommandAck state
             * @property {number|null} [progress] CommandAck progress
             * @property {string|null} [detail] CommandAck detail
             * @property {number|null} [timeMs] CommandAck timeMs
             * @property {Array.<pitwall.v1.DiagnosticResponse.$Properties>|null} [responses] CommandAck responses
             * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
             */

            /**
             * Properties of a CommandAck.
             * @memberof pitwall.v1
             * @interface ICommandAck
             * @augments pitwall.v1.CommandAck.$Properties
             * @deprecated Use pitwall.v1.CommandAck.$Properties instead.
             */

            /**
             * Shape of a CommandAck.
             * @typedef {pitwall.v1.CommandAck.$Properties} pitwall.v1.CommandAck.$Shape
             */

            /**
             * Constructs a new CommandAck.
             * @memberof pitwall.v1
             * @classdesc Represents a CommandAck.
             * @constructor
             * @param {pitwall.v1.CommandAck.$Properties=} [p] Properties to set
             * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
             */
            const CommandAck = function (p) {
                this.responses = [];
                if (p)
                    for (var ks = $Object.keys(p), i = 0; i < ks.length; ++i)
                        if (p[ks[i]] != null && ks[i] !== "__proto__")
                            this[ks[i]] = p[ks[i]];
            };

            /**
             * CommandAck id.
             * @member {string} id
             * @memberof pitwall.v1.CommandAck
             * @instance
             */
            CommandAck.prototype.id = "";

            /**
             * CommandAck state.
             * @member {pitwall.v1.CommandAck.State} state
             * @memberof pitwall.v1.CommandAck
             * @instance
             */
            CommandAck.prototype.state = 0;

            /**
             * CommandAck progress.
             * @member {number} progress
             * @memberof pitwall.v1.CommandAck
             * @instance
             */
            CommandAck.prototype.progress = 0;

            /**
             * CommandAck detail.
             * @member {string} detail
             * @memberof pitwall.v1.CommandAck
             * @instance
             */
            CommandAck.prototype.detail = "";

            /**
             * CommandAck timeMs.
             * @member {number} timeMs
             * @memberof pitwall.v1.CommandAck
             * @instance
             */
            CommandAck.prototype.timeMs = $util.Long ? $util.Long.fromBits(0,0,true) : 0;

            /**
             * CommandAck responses.
             * @member {Array.<pitwall.v1.DiagnosticResponse.$Properties>} responses
             * @memberof pitwall.v1.CommandAck
             * @instance
             */
            CommandAck.prototype.responses = $util.emptyArray;

            /**
             * Creates a new CommandAck instance using the specified properties.
             * @function create
             * @memberof pitwall.v1.CommandAck
             * @static
             * @param {pitwall.v1.CommandAck.$Properties=} [properties] Properties to set
             * @returns {pitwall.v1.CommandAck} CommandAck instance
             * @type {{
             *   (properties: pitwall.v1.CommandAck.$Shape): pitwall.v1.CommandAck & pitwall.v1.CommandAck.$Shape;
             *   (properties?: pitwall.v1.CommandAck.$Properties): pitwall.v1.CommandAck;
             * }}
             */
            CommandAck.create = function(properties) {
                return new CommandAck(properties);
            };

            /**
             * Encodes the specified CommandAck message. Does not implicitly {@link pitwall.v1.CommandAck.verify|verify} messages.
             * @function encode
             * @memberof pitwall.v1.CommandAck
             * @static
             * @param {pitwall.v1.CommandAck.$Properties} m CommandAck message or plain object to encode
             * @param {$protobuf.Writer} [w] Writer to encode to
             * @returns {$protobuf.Writer} Writer
             */
            CommandAck.encode = function (m, w, q) {
                if (!w)
                    w = $Writer.create();
                if (q === $undefined)
                    q = 0;
                if (q > $util.recursionLimit)
                    throw $Error("max depth exceeded");
                if (m.id != null && $Object.hasOwnProperty.call(m, "id") && m.id !== "")
                    w.uint32(/* id 1, wireType 2 =*/10).string(m.id);
                if (m.state != null && $Object.hasOwnProperty.call(m, "state") && m.state !== 0)
                    w.uint32(/* id 2, wireType 0 =*/16).int32(m.state);
                if (m.progress != null && $Object.hasOwnProperty.call(m, "progress") && m.progress !== 0)
                    w.uint32(/* id 3, wireType 0 =*/24).uint32(m.progress);
                if (m.detail != null && $Object.hasOwnProperty.call(m, "detail") && m.detail !== "")
                    w.uint32(/* id 4, wireType 2 =*/34).string(m.detail);
                if (m.timeMs != null && $Object.hasOwnProperty.call(m, "timeMs") && (typeof m.timeMs === "object" ? m.timeMs.low || m.timeMs.high : m.timeMs !== 0))
                    w.uint32(/* id 5, wireType 0 =*/40).uint64(m.timeMs);
                if (m.responses != null && m.responses.length) {
                    for (var i = 0; i < m.responses.length; ++i)
                        $root.pitwall.v1.DiagnosticResponse.encode(m.responses[i], w.uint32(/* id 6, wireType 2 =*/50).fork(), q + 1).ldelim();
                }
                if (m.$unknowns != null && $Object.hasOwnProperty.call(m, "$unknowns"))
                    for (var i = 0; i < m.$unknowns.length; ++i)
                        w.raw(m.$unknowns[i]);
                return w;
            };

            /**
             * Encodes the specified CommandAck message, length delimited. Does not implicitly {@link pitwall.v1.CommandAck.verify|verify} messages.
             * @function encodeDelimited
             * @memberof pitwall.v1.CommandAck
             * @static
             * @param {pitwall.v1.CommandAck.$Properties} message CommandAck message or plain object to encode
             * @param {$protobuf.Writer} [writer] Writer to encode to
             * @returns {$protobuf.Writer} Writer
             */
            CommandAck.encodeDelimited = function(message, writer) {
                return this.encode(message, (writer || $Writer.create()).fork()).ldelim();
            };

            /**
             * Decodes a CommandAck message from the specified reader or buffer.
             * @function decode
             * @memberof pitwall.v1.CommandAck
             * @static
             * @param {$protobuf.Reader|Uint8Array} r Reader or buffer to decode from
             * @param {number} [l] Message length if known beforehand
             * @returns {pitwall.v1.CommandAck & pitwall.v1.CommandAck.$Shape} CommandAck
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            CommandAck.decode = function (r, l, z, q, g) {
                if (!(r instanceof $Reader))
                    r = $Reader.create(r);
                if (q === $undefined)
                    q = 0;
                if (q > $Reader.recursionLimit)
                    throw $Error("max depth exceeded");
                var c, m, v;
                if (l === $undefined)
                    c = r.len;
                else {
                    c = r.pos + l;
                    if (c > r.len)
                        throw $RangeError("index out of range");
                    l = r.len;
                    r.len = c;
                }
                m = g || new $root.pitwall.v1.CommandAck();
                while (r.pos < c) {
                    var s = r.pos;
                    var t = r.tag();
                    if (t === z) {
                        z = $undefined;
                        break;
                    }
                    var u = t & 7;
                    switch (t >>>= 3) {
                    case 1: {
                            if (u !== 2)
                                break;
                            if ((v = r.stringVerify()).length)
                                m.id = v;
                            else
                                delete m.id;
                            continue;
                        }
                    case 2: {
                            if (u !== 0)
                                break;
                            if (v = r.int32())
                                m.state = v;
                            else
                                delete m.state;
                            continue;
                        }
                    case 3: {
                            if (u !== 0)
                                break;
                            if (v = r.uint32())
                                m.progress = v;
                            else
                                delete m.progress;
                            continue;
                        }
                    case 4: {
                            if (u !== 2)
                                break;
                            if ((v = r.stringVerify()).length)
                                m.detail = v;
                            else
                                delete m.detail;
                            continue;
                        }
                    case 5: {
                            if (u !== 0)
                                break;
                            if (typeof (v = r.uint64()) === "object" ? v.low || v.high : v !== 0)
                                m.timeMs = v;
                            else
                                delete m.timeMs;
                            continue;
                        }
                    case 6: {
                            if (u !== 2)
                                break;
                            if (!(m.responses && m.responses.length))
                                m.responses = [];
                            m.responses.push($root.pitwall.v1.DiagnosticResponse.decode(r, r.size(), $undefined, q + 1));
                            continue;
                        }
                    }
                    r.skipType(u, q, t);
                    if (!r.discardUnknown) {
                        $util.makeProp(m, "$unknowns", false);
                        (m.$unknowns || (m.$unknowns = [])).push(r.raw(s, r.pos));
                    }
                }
                if (l !== $undefined) {
                    if (r.pos !== c)
                        throw $RangeError("index out of range");
                    r.len = l;
                }
                if (z !== $undefined)
                    throw $Error("missing end group");
                return m;
            };

            /**
             * Decodes a CommandAck message from the specified reader or buffer, length delimited.
             * @function decodeDelimited
             * @memberof pitwall.v1.CommandAck
             * @static
             * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
             * @returns {pitwall.v1.CommandAck & pitwall.v1.CommandAck.$Shape} CommandAck
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            CommandAck.decodeDelimited = function(reader) {
                if (!(reader instanceof $Reader))
                    reader = new $Reader(reader);
                return this.decode(reader, reader.size());
            };

            /**
             * Verifies a CommandAck message.
             * @function verify
             * @memberof pitwall.v1.CommandAck
             * @static
             * @param {Object.<string,*>} m Plain object to verify
             * @returns {string|null} `null` if valid, otherwise the reason why it is not
             */
            CommandAck.verify = function (m, q) {
                if (typeof m !== "object" || m === null)
                    return "object expected";
                if (q === $undefined)
                    q = 0;
                if (q > $util.recursionLimit)
                    return "max depth exceeded";
                if (m.id != null && $Object.hasOwnProperty.call(m, "id")) {
                    if (!$util.isString(m.id))
                        return "id: string expected";
                }
                if (m.state != null && $Object.hasOwnProperty.call(m, "state")) {
                    if (typeof m.state !== "number" || (m.state | 0) !== m.state)
                        return "state: enum value expected";
                }
                if (m.progress != null && $Object.hasOwnProperty.call(m, "progress")) {
                    if (!$util.isInteger(m.progress))
                        return "progress: integer expected";
                }
                if (m.detail != null && $Object.hasOwnProperty.call(m, "detail")) {
                    if (!$util.isString(m.detail))
                        return "detail: string expected";
                }
                if (m.timeMs != null && $Object.hasOwnProperty.call(m, "timeMs")) {
                    if (!$util.isInteger(m.timeMs) && !(m.timeMs && $util.isInteger(m.timeMs.low) && $util.isInteger(m.timeMs.high)))
                        return "timeMs: integer|Long expected";
                }
                if (m.responses != null && $Object.hasOwnProperty.call(m, "responses")) {
                    if (!$Array.isArray(m.responses))
                        return "responses: array expected";
                    for (var i = 0; i < m.responses.length; ++i) {
                        {
                            var e = $root.pitwall.v1.DiagnosticResponse.verify(m.responses[i], q + 1);
                            if (e)
                                return "responses." + e;
                        }
                    }
                }
                return null;
            };

            /**
             * Creates a CommandAck message from a plain object. Also converts values to their respective internal types.
             * @function fromObject
             * @memberof pitwall.v1.CommandAck
             * @static
             * @param {Object.<string,*>} d Plain object
             * @returns {pitwall.v1.CommandAck} CommandAck
             */
            CommandAck.fromObject = function (d, q) {
                if (d instanceof $root.pitwall.v1.CommandAck)
                    return d;
                if (!$util.isObject(d))
                    throw $TypeError(".pitwall.v1.CommandAck: object expected");
                if (q === $undefined)
                    q = 0;
                if (q > $util.recursionLimit)
                    throw $Error("max depth exceeded");
                var m = new $root.pitwall.v1.CommandAck();
                if (d.id != null) {
                    if (typeof d.id !== "string" || d.id.length) {
                        m.id = $String(d.id);
                    }
                }
                if (d.state !== 0 && (typeof d.state !== "string" || $root.pitwall.v1.CommandAck.State[d.state] !== 0)) {
                    switch (d.state) {
                    case "STATE_UNSPECIFIED":
                    case 0:
                        m.state = 0;
                        break;
                    case "ACCEPTED":
                    case 1:
                        m.state = 1;
                        break;
                    case "IN_PROGRESS":
                    case 2:
                        m.state = 2;
                        break;
                    case "SUCCEEDED":
                    case 3:
                        m.state = 3;
                        break;
                    case "FAILED":
                    case 4:
                        m.state = 4;
                        break;
                    case "REJECTED":
                    case 5:
                        m.state = 5;
                        break;
                    default:
                        if (typeof d.state === "number" && (d.state | 0) === d.state)
                            m.state = d.state;
                    }
                }
                if (d.progress != null) {
                    if ($Number(d.progress) !== 0) {
                        m.progress = d.progress >>> 0;
                    }
                }
                if (d.detail != null) {
                    if (typeof d.detail !== "string" || d.detail.length) {
                        m.detail = $String(d.detail);
                    }
                }
                if (d.timeMs != null) {
                    if (typeof d.timeMs === "object" ? d.timeMs.low || d.timeMs.high : $Number(d.timeMs) !== 0) {
                        if ($util.Long)
                            m.timeMs = $util.Long.fromValue(d.timeMs, true);
                        else if (typeof d.timeMs === "string")
                            m.timeMs = $parseInt(d.timeMs, 10);
                        else if (typeof d.timeMs === "number")
                            m.timeMs = d.timeMs;
                        else if (typeof d.timeMs === "object")
                            m.timeMs = new $util.LongBits(d.timeMs.low >>> 0, d.timeMs.high >>> 0).toNumber(true);
                    }
                }
                if (d.responses) {
                    if (!$Array.isArray(d.responses))
                        throw $TypeError(".pitwall.v1.CommandAck.responses: array expected");
                    m.responses = $Array(d.responses.length);
                    for (var i = 0; i < d.responses.length; ++i) {
                        if (!$util.isObject(d.responses[i]))
                            throw $TypeError(".pitwall.v1.CommandAck.responses: object expected");
                        m.responses[i] = $root.pitwall.v1.DiagnosticResponse.fromObject(d.responses[i], q + 1);
                    }
                }
                return m;
            };

            /**
             * Creates a plain object from a CommandAck message. Also converts values to other types if specified.
             * @function toObject
             * @memberof pitwall.v1.CommandAck
             * @static
             * @param {pitwall.v1.CommandAck} m CommandAck
             * @param {$protobuf.IConversionOptions} [o] Conversion options
             * @returns {Object.<string,*>} Plain object
             */
            CommandAck.toObject = function (m, o, q) {
                if (!o)
                    o = {};
                if (q === $undefined)
                    q = 0;
                if (q > $util.recursionLimit)
                    throw $Error("max depth exceeded");
                var d = {};
                if (o.arrays || o.defaults) {
                    d.responses = [];
                }
                if (o.defaults) {
                    d.id = "";
                    d.state = o.enums === $String ? "STATE_UNSPECIFIED" : 0;
                    d.progress = 0;
                    d.detail = "";
                    if ($util.Long) {
                        var n = new $util.Long(0, 0, true);
                        d.timeMs = o.longs === $String ? n.toString() : o.longs === $Number ? n.toNumber() : typeof $BigInt !== "undefined" && o.longs === $BigInt ? n.toBigInt() : n;
                    } else
                        d.timeMs = o.longs === $String ? "0" : typeof $BigInt !== "undefined" && o.longs === $BigInt ? $BigInt("0") : 0;
                }
                if (m.id != null && $Object.hasOwnProperty.call(m, "id")) {
                    d.id = m.id;
                }
                if (m.state != null && $Object.hasOwnProperty.call(m, "state")) {
                    d.state = o.enums === $String ? $root.pitwall.v1.CommandAck.State[m.state] === $undefined ? m.state : $root.pitwall.v1.CommandAck.State[m.state] : m.state;
                }
                if (m.progress != null && $Object.hasOwnProperty.call(m, "progress")) {
                    d.progress = m.progress;
                }
                if (m.detail != null && $Object.hasOwnProperty.call(m, "detail")) {
                    d.detail = m.detail;
                }
                if (m.timeMs != null && $Object.hasOwnProperty.call(m, "timeMs")) {
                    if (typeof $BigInt !== "undefined" && o.longs === $BigInt)
                        d.timeMs = typeof m.timeMs === "number" ? $BigInt(m.timeMs) : $util.Long.fromBits(m.timeMs.low >>> 0, m.timeMs.high >>> 0, true).toBigInt();
                    else if (typeof m.timeMs === "number")
                        d.timeMs = o.longs === $String ? $String(m.timeMs) : m.timeMs;
                    else
                        d.timeMs = o.longs === $String ? $util.Long.prototype.toString.call(m.timeMs) : o.longs === $Number ? new $util.LongBits(m.timeMs.low >>> 0, m.timeMs.high >>> 0).toNumber(true) : m.timeMs;
                }
                if (m.responses && m.responses.length) {
                    d.responses = $Array(m.responses.length);
                    for (var j = 0; j < m.responses.length; ++j) {
                        d.responses[j] = $root.pitwall.v1.DiagnosticResponse.toObject(m.responses[j], o, q + 1);
                    }
                }
                return d;
            };

            /**
             * Converts this CommandAck to JSON.
             * @function toJSON
             * @memberof pitwall.v1.CommandAck
             * @instance
             * @returns {Object.<string,*>} JSON object
             */
            CommandAck.prototype.toJSON = function() {
                return CommandAck.toObject(this, $protobuf.util.toJSONOptions);
            };

            /**
             * Gets the type url for CommandAck
             * @function getTypeUrl
             * @memberof pitwall.v1.CommandAck
             * @static
             * @param {string} [prefix] Custom type url prefix, defaults to `"type.googleapis.com"`
             * @returns {string} The type url
             */
            CommandAck.getTypeUrl = function(prefix) {
                if (prefix === $undefined)
                    prefix = "type.googleapis.com";
                return prefix + "/pitwall.v1.CommandAck";
            };

            /**
             * State enum.
             * @name pitwall.v1.CommandAck.State
             * @enum {number}
             * @property {number} STATE_UNSPECIFIED=0 STATE_UNSPECIFIED value
             * @property {number} ACCEPTED=1 ACCEPTED value
             * @property {number} IN_PROGRESS=2 IN_PROGRESS value
             * @property {number} SUCCEEDED=3 SUCCEEDED value
             * @property {number} FAILED=4 FAILED value
             * @property {number} REJECTED=5 REJECTED value
             */
            CommandAck.State = (function() {
                const valuesById = $Object.create(null), values = $Object.create(valuesById);
                values[valuesById[0] = "STATE_UNSPECIFIED"] = 0;
                values[valuesById[1] = "ACCEPTED"] = 1;
                values[valuesById[2] = "IN_PROGRESS"] = 2;
                values[valuesById[3] = "SUCCEEDED"] = 3;
                values[valuesById[4] = "FAILED"] = 4;
                values[valuesById[5] = "REJECTED"] = 5;
                return values;
            })();

            return CommandAck;
        })();

        v1.DiagnosticResponse = (function() {

            /**
             * Properties of a DiagnosticResponse.
             * @typedef {Object} pitwall.v1.DiagnosticResponse.$Properties
             * @property {number|null} [ecu] DiagnosticResponse ecu
             * @property {Uint8Array|null} [data] DiagnosticResponse data
             * @property {Array.<Uint8Array>|null} [frames] DiagnosticResponse frames
             * @property {number|null} [elapsedMs] DiagnosticResponse elapsedMs
             * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
             */

            /**
             * Properties of a DiagnosticResponse.
             * @memberof pitwall.v1
             * @interface IDiagnosticResponse
             * @augments pitwall.v1.DiagnosticResponse.$Properties
             * @deprecated Use pitwall.v1.DiagnosticResponse.$Properties instead.
             */

            /**
             * Shape of a DiagnosticResponse.
             * @typedef {pitwall.v1.DiagnosticResponse.$Properties} pitwall.v1.DiagnosticResponse.$Shape
             */

            /**
             * Constructs a new DiagnosticResponse.
             * @memberof pitwall.v1
             * @classdesc Represents a DiagnosticResponse.
             * @constructor
             * @param {pitwall.v1.DiagnosticResponse.$Properties=} [p] Properties to set
             * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
             */
            const DiagnosticResponse = function (p) {
                this.frames = [];
                if (p)
                    for (var ks = $Object.keys(p), i = 0; i < ks.length; ++i)
                        if (p[ks[i]] != null && ks[i] !== "__proto__")
                            this[ks[i]] = p[ks[i]];
            };

            /**
             * DiagnosticResponse ecu.
             * @member {number} ecu
             * @memberof pitwall.v1.DiagnosticResponse
             * @instance
             */
            DiagnosticResponse.prototype.ecu = 0;

            /**
             * DiagnosticResponse data.
             * @member {Uint8Array} data
             * @memberof pitwall.v1.DiagnosticResponse
             * @instance
             */
            DiagnosticResponse.prototype.data = $util.newBuffer([]);

            /**
             * DiagnosticResponse frames.
             * @member {Array.<Uint8Array>} frames
             * @memberof pitwall.v1.DiagnosticResponse
             * @instance
             */
            DiagnosticResponse.prototype.frames = $util.emptyArray;

            /**
             * DiagnosticResponse elapsedMs.
             * @member {number} elapsedMs
             * @memberof pitwall.v1.DiagnosticResponse
             * @instance
             */
            DiagnosticResponse.prototype.elapsedMs = 0;

            /**
             * Creates a new DiagnosticResponse instance using the specified properties.
             * @function create
             * @memberof pitwall.v1.DiagnosticResponse
             * @static
             * @param {pitwall.v1.DiagnosticResponse.$Properties=} [properties] Properties to set
             * @returns {pitwall.v1.DiagnosticResponse} DiagnosticResponse instance
             * @type {{
             *   (properties: pitwall.v1.DiagnosticResponse.$Shape): pitwall.v1.DiagnosticResponse & pitwall.v1.DiagnosticResponse.$Shape;
             *   (properties?: pitwall.v1.DiagnosticResponse.$Properties): pitwall.v1.DiagnosticResponse;
             * }}
             */
            DiagnosticResponse.create = function(properties) {
                return new DiagnosticResponse(properties);
            };

            /**
             * Encodes the specified DiagnosticResponse message. Does not implicitly {@link pitwall.v1.DiagnosticResponse.verify|verify} messages.
             * @function encode
             * @memberof pitwall.v1.DiagnosticResponse
             * @static
             * @param {pitwall.v1.DiagnosticResponse.$Properties} m DiagnosticResponse message or plain object to encode
             * @param {$protobuf.Writer} [w] Writer to encode to
             * @returns {$protobuf.Writer} Writer
             */
            DiagnosticResponse.encode = function (m, w, q) {
                if (!w)
                    w = $Writer.create();
                if (q === $undefined)
                    q = 0;
                if (q > $util.recursionLimit)
                    throw $Error("max depth exceeded");
                if (m.ecu != null && $Object.hasOwnProperty.call(m, "ecu") && m.ecu !== 0)
                    w.uint32(/* id 1, wireType 0 =*/8).uint32(m.ecu);
                if (m.data != null && $Object.hasOwnProperty.call(m, "data") && m.data.length)
                    w.uint32(/* id 2, wireType 2 =*/18).bytes(m.data);
                if (m.frames != null && m.frames.length) {
                    for (var i = 0; i < m.frames.length; ++i)
                        w.uint32(/* id 3, wireType 2 =*/26).bytes(m.frames[i]);
                }
                if (m.elapsedMs != null && $Object.hasOwnProperty.call(m, "elapsedMs") && m.elapsedMs !== 0)
                    w.uint32(/* id 4, wireType 0 =*/32).uint32(m.elapsedMs);
                if (m.$unknowns != null && $Object.hasOwnProperty.call(m, "$unknowns"))
                    for (var i = 0; i < m.$unknowns.length; ++i)
                        w.raw(m.$unknowns[i]);
                return w;
            };

            /**
             * Encodes the specified DiagnosticResponse message, length delimited. Does not implicitly {@link pitwall.v1.DiagnosticResponse.verify|verify} messages.
             * @function encodeDelimited
             * @memberof pitwall.v1.DiagnosticResponse
             * @static
             * @param {pitwall.v1.DiagnosticResponse.$Properties} message DiagnosticResponse message or plain object to encode
             * @param {$protobuf.Writer} [writer] Writer to encode to
             * @returns {$protobuf.Writer} Writer
             */
            DiagnosticResponse.encodeDelimited = function(message, writer) {
                return this.encode(message, (writer || $Writer.create()).fork()).ldelim();
            };

            /**
             * Decodes a DiagnosticResponse message from the specified reader or buffer.
             * @function decode
             * @memberof pitwall.v1.DiagnosticResponse
             * @static
             * @param {$protobuf.Reader|Uint8Array} r Reader or buffer to decode from
             * @param {number} [l] Message length if known beforehand
             * @returns {pitwall.v1.DiagnosticResponse & pitwall.v1.DiagnosticResponse.$Shape} DiagnosticResponse
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            DiagnosticResponse.decode = function (r, l, z, q, g) {
                if (!(r instanceof $Reader))
                    r = $Reader.create(r);
                if (q === $undefined)
                    q = 0;
                if (q > $Reader.recursionLimit)
                    throw $Error("max depth exceeded");
                var c, m, v;
                if (l === $undefined)
                    c = r.len;
                else {
                    c = r.pos + l;
                    if (c > r.len)
                        throw $RangeError("index out of range");
                    l = r.len;
                    r.len = c;
                }
                m = g || new $root.pitwall.v1.DiagnosticResponse();
                while (r.pos < c) {
                    var s = r.pos;
                    var t = r.tag();
                    if (t === z) {
                        z = $undefined;
                        break;
                    }
                    var u = t & 7;
                    switch (t >>>= 3) {
                    case 1: {
                            if (u !== 0)
                                break;
                            if (v = r.uint32())
                                m.ecu = v;
                            else
                                delete m.ecu;
                            continue;
                        }
                    case 2: {
                            if (u !== 2)
                                break;
                            if ((v = r.bytes()).length)
                                m.data = v;
                            else
                                delete m.data;
                            continue;
                        }
                    case 3: {
                            if (u !== 2)
                                break;
                            if (!(m.frames && m.frames.length))
                                m.frames = [];
                            m.frames.push(r.bytes());
                            continue;
                        }
                    case 4: {
                            if (u !== 0)
                                break;
                            if (v = r.uint32())
                                m.elapsedMs = v;
                            else
                                delete m.elapsedMs;
                            continue;
                        }
                    }
                    r.skipType(u, q, t);
                    if (!r.discardUnknown) {
                        $util.makeProp(m, "$unknowns", false);
                        (m.$unknowns || (m.$unknowns = [])).push(r.raw(s, r.pos));
                    }
                }
                if (l !== $undefined) {
                    if (r.pos !== c)
                        throw $RangeError("index out of range");
                    r.len = l;
                }
                if (z !== $undefined)
                    throw $Error("missing end group");
                return m;
            };

            /**
             * Decodes a DiagnosticResponse message from the specified reader or buffer, length delimited.
             * @function decodeDelimited
             * @memberof pitwall.v1.DiagnosticResponse
             * @static
             * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
             * @returns {pitwall.v1.DiagnosticResponse & pitwall.v1.DiagnosticResponse.$Shape} DiagnosticResponse
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            DiagnosticResponse.decodeDelimited = function(reader) {
                if (!(reader instanceof $Reader))
                    reader = new $Reader(reader);
                return this.decode(reader, reader.size());
            };

            /**
             * Verifies a DiagnosticResponse message.
             * @function verify
             * @memberof pitwall.v1.DiagnosticResponse
             * @static
             * @param {Object.<string,*>} m Plain object to verify
             * @returns {string|null} `null` if valid, otherwise the reason why it is not
             */
            DiagnosticResponse.verify = function (m, q) {
                if (typeof m !== "object" || m === null)
                    return "object expected";
                if (q === $undefined)
                    q = 0;
                if (q > $util.recursionLimit)
                    return "max depth exceeded";
                if (m.ecu != null && $Object.hasOwnProperty.call(m, "ecu")) {
                    if (!$util.isInteger(m.ecu))
                        return "ecu: integer expected";
                }
                if (m.data != null && $Object.hasOwnProperty.call(m, "data")) {
                    if (!(m.data && typeof m.data.length === "number" || $util.isString(m.data)))
                        return "data: buffer expected";
                }
                if (m.frames != null && $Object.hasOwnProperty.call(m, "frames")) {
                    if (!$Array.isArray(m.frames))
                        return "frames: array expected";
                    for (var i = 0; i < m.frames.length; ++i) {
                        if (!(m.frames[i] && typeof m.frames[i].length === "number" || $util.isString(m.frames[i])))
                            return "frames: buffer[] expected";
                    }
                }
                if (m.elapsedMs != null && $Object.hasOwnProperty.call(m, "elapsedMs")) {
                    if (!$util.isInteger(m.elapsedMs))
                        return "elapsedMs: integer expected";
                }
                return null;
            };

            /**
             * Creates a DiagnosticResponse message from a plain object. Also converts values to their respective internal types.
             * @function fromObject
             * @memberof pitwall.v1.DiagnosticResponse
             * @static
             * @param {Object.<string,*>} d Plain object
             * @returns {pitwall.v1.DiagnosticResponse} DiagnosticResponse
             */
            DiagnosticResponse.fromObject = function (d, q) {
                if (d instanceof $root.pitwall.v1.DiagnosticResponse)
                    return d;
                if (!$util.isObject(d))
                    throw $TypeError(".pitwall.v1.DiagnosticResponse: object expected");
                if (q === $undefined)
                    q = 0;
                if (q > $util.recursionLimit)
                    throw $Error("max depth exceeded");
                var m = new $root.pitwall.v1.DiagnosticResponse();
                if (d.ecu != null) {
                    if ($Number(d.ecu) !== 0) {
                        m.ecu = d.ecu >>> 0;
                    }
                }
                if (d.data != null) {
                    if (d.data.length) {
                        if (typeof d.data === "string")
                            $util.base64.decode(d.data, m.data = $util.newBuffer($util.base64.length(d.data)), 0);
                        else if (d.data.length >= 0)
                            m.data = d.data;
                    }
                }
                if (d.frames) {
                    if (!$Array.isArray(d.frames))
                        throw $TypeError(".pitwall.v1.DiagnosticResponse.frames: array expected");
                    m.frames = $Array(d.frames.length);
                    for (var i = 0; i < d.frames.length; ++i) {
                        if (typeof d.frames[i] === "string")
                            $util.base64.decode(d.frames[i], m.frames[i] = $util.newBuffer($util.base64.length(d.frames[i])), 0);
                        else if (d.frames[i].length >= 0)
                            m.frames[i] = d.frames[i];
                    }
                }
                if (d.elapsedMs != null) {
                    if ($Number(d.elapsedMs) !== 0) {
                        m.elapsedMs = d.elapsedMs >>> 0;
                    }
                }
                return m;
            };

            /**
             * Creates a plain object from a DiagnosticResponse message. Also converts values to other types if specified.
             * @function toObject
             * @memberof pitwall.v1.DiagnosticResponse
             * @static
             * @param {pitwall.v1.DiagnosticResponse} m DiagnosticResponse
             * @param {$protobuf.IConversionOptions} [o] Conversion options
             * @returns {Object.<string,*>} Plain object
             */
            DiagnosticResponse.toObject = function (m, o, q) {
                if (!o)
                    o = {};
                if (q === $undefined)
                    q = 0;
                if (q > $util.recursionLimit)
                    throw $Error("max depth exceeded");
                var d = {};
                if (o.arrays || o.defaults) {
                    d.frames = [];
                }
                if (o.defaults) {
                    d.ecu = 0;
                    if (o.bytes === $String)
                        d.data = "";
                    else {
                        d.data = [];
                        if (o.bytes !== $Array)
                            d.data = $util.newBuffer(d.data);
                    }
                    d.elapsedMs = 0;
                }
                if (m.ecu != null && $Object.hasOwnProperty.call(m, "ecu")) {
                    d.ecu = m.ecu;
                }
                if (m.data != null && $Object.hasOwnProperty.call(m, "data")) {
                    d.data = o.bytes === $String ? $util.base64.encode(m.data, 0, m.data.length) : o.bytes === $Array ? $Array.prototype.slice.call(m.data) : m.data;
                }
                if (m.frames && m.frames.length) {
                    d.frames = $Array(m.frames.length);
                    for (var j = 0; j < m.frames.length; ++j) {
                        d.frames[j] = o.bytes === $String ? $util.base64.encode(m.frames[j], 0, m.frames[j].length) : o.bytes === $Array ? $Array.prototype.slice.call(m.frames[j]) : m.frames[j];
                    }
                }
                if (m.elapsedMs != null && $Object.hasOwnProperty.call(m, "elapsedMs")) {
                    d.elapsedMs = m.elapsedMs;
                }
                return d;
            };

            /**
             * Converts this DiagnosticResponse to JSON.
             * @function toJSON
             * @memberof pitwall.v1.DiagnosticResponse
             * @instance
             * @returns {Object.<string,*>} JSON object
             */
            DiagnosticResponse.prototype.toJSON = function() {
                return DiagnosticResponse.toObject(this, $protobuf.util.toJSONOptions);
            };

            /**
             * Gets the type url for DiagnosticResponse
             * @function getTypeUrl
             * @memberof pitwall.v1.DiagnosticResponse
             * @static
             * @param {string} [prefix] Custom type url prefix, defaults to `"type.googleapis.com"`
             * @returns {string} The type url
             */
            DiagnosticResponse.getTypeUrl = function(prefix) {
                if (prefix === $undefined)
                    prefix = "type.googleapis.com";
                return prefix + "/pitwall.v1.DiagnosticResponse";
            };

            return DiagnosticResponse;
        })();

        return v1;
    })();

    return pitwall;
})();

export {
  $root as default
};

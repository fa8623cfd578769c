import { create, type DataType, TensorShapeProto_DimensionSchema, type ValueInfoProto, ValueInfoProtoSchema } from "./proto.js";
import type { Dim } from "./types.js";

/** A tensor ValueInfo; a null `dims` leaves the rank unknown. (types.ts stays free of protobuf runtime code.) */
export function valueInfo(name: string, elemType: DataType | number, dims: readonly Dim[] | null): ValueInfoProto {
  return create(ValueInfoProtoSchema, {
    name,
    type: {
      value: {
        case: "tensorType",
        value: {
          elemType,
          shape:
            dims === null
              ? undefined
              : {
                  dim: dims.map((d) =>
                    create(TensorShapeProto_DimensionSchema, {
                      value:
                        typeof d === "number"
                          ? { case: "dimValue", value: BigInt(d) }
                          : typeof d === "string"
                            ? { case: "dimParam", value: d }
                            : { case: undefined },
                    }),
                  ),
                },
        },
      },
    },
  });
}
